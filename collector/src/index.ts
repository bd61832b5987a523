import type { AddressInfo } from 'node:net';
import type BetterSqlite3 from 'better-sqlite3';
import { apiRoutes } from './api.js';
import { inspectorRoutes } from './inspector.js';
import { ingestRoutes } from './ingest.js';
import { createGdpr, DEV_GDPR_TOKEN } from './gdpr.js';
import { createServer } from './server.js';
import { staticMounts } from './static.js';
import { openStore } from './store.js';

export { MAX_ITEMS } from './ingest.js';
export { startRelay, RelayConfigError, REGIONS, type Relay, type RelayOptions } from './relay/index.js';

/** Mixpanel's 413 example: "request exceeds max limit of 2097152 bytes" (wire reference §2.4). */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface CollectorOptions {
  /**
   * TCP port; 0 picks a free one (read it back from `Collector.port`).
   * @default 0 (the CLI defaults to 8787)
   * @example startCollector({ port: 8787 })
   */
  port?: number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   * @example startCollector({ host: '0.0.0.0' })
   */
  host?: string;
  /**
   * SQLite file (its folder is created) or ':memory:'. Files use WAL journaling.
   * @default ':memory:' (the CLI defaults to './.heed/collector.db')
   * @example startCollector({ db: path.join(os.tmpdir(), 'heed.db') })
   */
  db?: string;
  /**
   * URL prefix → directory served as static files; the longest matching prefix wins.
   * @default {}
   * @example startCollector({ static: { '/dist/': '/abs/dist', '/': '/abs/pages' } })
   */
  static?: Record<string, string>;
  /**
   * Largest accepted body after Content-Encoding is undone; above it the answer is 413.
   * @default 2097152 (2 MiB)
   * @example startCollector({ maxBodyBytes: 10 * 1024 * 1024 })
   */
  maxBodyBytes?: number;
  /**
   * Print one line per request to stdout.
   * @default false (the CLI turns it on)
   * @example startCollector({ log: true })
   */
  log?: boolean;
  /**
   * Bearer token the GDPR API routes (`/api/app/data-deletions/v3.0`, `/api/app/data-retrievals/v3.0`)
   * require. The default is public: anyone who can reach the collector can delete its data.
   * @default 'heed-dev-gdpr-token' (the CLI also reads env HEED_GDPR_TOKEN)
   * @example startCollector({ gdprToken: crypto.randomUUID() })
   */
  gdprToken?: string;
  /**
   * Time per GDPR job stage, in ms: PENDING → STAGING → STARTED → SUCCESS takes three steps.
   * @default 1000
   * @example startCollector({ gdprStepMs: 20 }) // fast jobs in tests
   */
  gdprStepMs?: number;
  /**
   * Least time between two accepted GDPR requests of one project, in ms (Mixpanel: 1 request/s);
   * faster ones get 429 with Retry-After. 0 turns the limit off.
   * @default 1000
   * @example startCollector({ gdprMinIntervalMs: 0 })
   */
  gdprMinIntervalMs?: number;
  /**
   * Folder for export (retrieval) files, served at the link the status answer gives.
   * @default '<db folder>/exports', or a new temp folder with ':memory:'
   * @example startCollector({ gdprExportDir: '/tmp/heed-exports' })
   */
  gdprExportDir?: string;
}

export interface Collector {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53121`. */
  url: string;
  port: number;
  /** The open database, for assertions the read API does not cover. */
  db: BetterSqlite3.Database;
  /** Stop listening, end open connections, checkpoint the WAL and close the database. */
  close(): Promise<void>;
}

/** Start a Mixpanel-compatible ingestion server on SQLite. */
export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const host = options.host ?? '127.0.0.1';
  const mounts = staticMounts(options.static);
  const store = openStore(options.db ?? ':memory:');
  const gdpr = createGdpr(store, {
    token: options.gdprToken || DEV_GDPR_TOKEN,
    stepMs: options.gdprStepMs ?? 1000,
    minIntervalMs: options.gdprMinIntervalMs ?? 1000,
    exportDir: options.gdprExportDir,
    db: options.db ?? ':memory:',
  });
  const server = createServer({
    store,
    routes: [...ingestRoutes, ...apiRoutes, ...inspectorRoutes(!(options.static && options.static['/'])), ...gdpr.routes],
    mounts,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    log: options.log ?? false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    gdpr.stop();
    store.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    db: store.db,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // Idle keep-alive sockets close now; busy ones get a moment to finish their reply.
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          gdpr.stop();
          store.close();
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
