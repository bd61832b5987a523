import { MAX_ITEMS } from '../ingest.js';
import type { LogSink } from './log.js';

/** The three ingestion endpoints the relay accepts and forwards. */
export type Endpoint = 'track' | 'engage' | 'groups';
export const ENDPOINTS: readonly Endpoint[] = ['track', 'engage', 'groups'];

/**
 * Mixpanel's hosts per data residency (wire reference §2.1 for ingestion, §1.1 for the GDPR API).
 * The relay forwards server to server, so it uses `api*.mixpanel.com`, not the browser's `api-js`.
 */
export const REGIONS = {
  us: { ingestion: 'https://api.mixpanel.com', gdpr: 'https://mixpanel.com/api/app' },
  eu: { ingestion: 'https://api-eu.mixpanel.com', gdpr: 'https://eu.mixpanel.com/api/app' },
  in: { ingestion: 'https://api-in.mixpanel.com', gdpr: 'https://in.mixpanel.com/api/app' },
} as const;
export type Region = keyof typeof REGIONS;

/** Mixpanel's 413 example: "request exceeds max limit of 2097152 bytes" (wire reference §2.4). */
const TWO_MIB = 2 * 1024 * 1024;

export interface RelayOptions {
  /**
   * Where accepted items go: `'us'`, `'eu'` or `'in'` for Mixpanel's ingestion in that region,
   * or the base URL of any Mixpanel-compatible ingestion (`/track`, `/engage`, `/groups` below it).
   * @example startRelay({ upstream: 'eu', spool: '/var/lib/heed/spool.db' })
   * @example startRelay({ upstream: 'http://127.0.0.1:8787', spool })
   */
  upstream: Region | string;
  /**
   * The SQLite spool file (its folder is created). Every accepted item is committed here before
   * the reply and stays until the upstream confirmed it. Each relay needs its own file.
   * @example startRelay({ upstream: 'us', spool: path.join(os.tmpdir(), 'spool.db') })
   */
  spool: string;
  /**
   * The GDPR API the relay proxies `/api/app/data-deletions/v3.0` and `/api/app/data-retrievals/v3.0` to.
   * @default the region's (`https://eu.mixpanel.com/api/app` for `'eu'`), or `<upstream>/api/app`
   * @example startRelay({ upstream: 'http://127.0.0.1:8787', spool, gdprUpstream: 'http://127.0.0.1:8787/api/app' })
   */
  gdprUpstream?: string;
  /**
   * TCP port; 0 picks a free one (read it back from `Relay.port`).
   * @default 0 (the CLI defaults to 8787)
   */
  port?: number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * First-party paths mapped onto the three endpoints, matching heed's `api_routes` (a trailing
   * slash is optional). `/track`, `/engage` and `/groups` are always served as well.
   * @default {}
   * @example startRelay({ upstream: 'eu', spool, routes: { '/e/': 'track', '/p/': 'engage', '/g/': 'groups' } })
   */
  routes?: Record<string, Endpoint>;
  /**
   * Project tokens the relay forwards; items carrying another token are refused (and counted).
   * @default undefined: every token is forwarded (the relay logs a warning at start)
   * @example startRelay({ upstream: 'eu', spool, tokens: [process.env.MIXPANEL_PROJECT_TOKEN!] })
   */
  tokens?: readonly string[];
  /**
   * A request header set by your load balancer with the visitor's two-letter country
   * (e.g. `cf-ipcountry`, `cloudfront-viewer-country`): sent upstream as `mp_country_code` on
   * events that do not carry one. The visitor's IP is never forwarded either way.
   * @default undefined: no location hint
   * @example startRelay({ upstream: 'eu', spool, countryHeader: 'cf-ipcountry' })
   */
  countryHeader?: string;
  /**
   * Largest request body accepted (after Content-Encoding is undone); above it the answer is 413.
   * @default 2097152 (2 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Largest single item, as JSON; larger ones are refused (Mixpanel: "under 1 MB" per event).
   * @default 1000000
   */
  maxItemBytes?: number;
  /**
   * Items per upstream request, at most Mixpanel's 2000.
   * @default 2000
   */
  batchItems?: number;
  /**
   * Upstream request body bytes (form-encoded, as sent); a 413 halves it for this relay's lifetime.
   * @default 2097152 (2 MiB)
   */
  batchBytes?: number;
  /**
   * How long the relay remembers the `$insert_id`s it forwarded (hashed), in ms: a client's re-send
   * within that time (a reply lost to a crash, a beacon then a retry) is answered 200 and not sent
   * again. Costs about 70 bytes of memory and 50 of spool per event in the window; 0 remembers
   * nothing (copies still waiting in the spool are always merged). The default is heed's longest
   * backoff between two attempts.
   * @default 600000 (10 minutes)
   */
  dedupeWindowMs?: number;
  /**
   * Per upstream request, in ms; no answer by then counts as a failure and is retried.
   * @default 30000
   */
  upstreamTimeoutMs?: number;
  /**
   * Backoff between retries: full jitter, `baseMs` doubling up to `maxMs`; `Retry-After` wins
   * (up to 10 minutes). A low `maxMs` keeps recovery after an outage prompt.
   * @default { baseMs: 1000, maxMs: 30000 }
   */
  retry?: { baseMs?: number; maxMs?: number };
  /**
   * Structured logs: `'info'` or `'warn'` print JSON lines to stdout at or above that level; a
   * function receives every entry instead.
   * @default 'off' (the CLI uses 'info', or 'warn' with --quiet)
   */
  log?: 'info' | 'warn' | 'off' | LogSink;
}

/** Options with every default filled in and every value checked. */
export interface RelayConfig {
  upstream: URL;
  gdprUpstream: URL;
  spool: string;
  port: number;
  host: string;
  routes: Array<{ path: string; endpoint: Endpoint }>;
  tokens: ReadonlySet<string> | undefined;
  countryHeader: string | undefined;
  maxBodyBytes: number;
  maxItemBytes: number;
  batchItems: number;
  batchBytes: number;
  dedupeWindowMs: number;
  upstreamTimeoutMs: number;
  retry: { baseMs: number; maxMs: number };
  log: RelayOptions['log'];
}

/** A relay option that cannot work; thrown by `startRelay` before anything starts. */
export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError' as const;
}

/** Paths the relay serves itself, which a first-party route may not shadow. */
const RESERVED = /^\/(healthz|metrics|api)(\/|$)/;

export function resolveOptions(options: RelayOptions): RelayConfig {
  const region = (REGIONS as Record<string, (typeof REGIONS)[Region] | undefined>)[options.upstream];
  const upstream = httpUrl('upstream', region ? region.ingestion : options.upstream, "'us', 'eu', 'in' or an http(s) URL");
  const gdprBase = options.gdprUpstream ?? (region ? region.gdpr : `${upstream.href.replace(/\/+$/, '')}/api/app`);
  if (!options.spool || options.spool === ':memory:') {
    throw new RelayConfigError("spool must name a SQLite file (':memory:' would lose what the relay accepted)");
  }
  return {
    upstream,
    gdprUpstream: httpUrl('gdprUpstream', gdprBase, 'an http(s) URL'),
    spool: options.spool,
    port: integer('port', options.port ?? 0, 0, 65535),
    host: options.host ?? '127.0.0.1',
    routes: firstPartyRoutes(options.routes ?? {}),
    tokens: tokenList(options.tokens),
    countryHeader: options.countryHeader?.trim().toLowerCase() || undefined,
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes ?? TWO_MIB, 1),
    maxItemBytes: integer('maxItemBytes', options.maxItemBytes ?? 1_000_000, 1),
    batchItems: integer('batchItems', options.batchItems ?? MAX_ITEMS, 1, MAX_ITEMS),
    batchBytes: integer('batchBytes', options.batchBytes ?? TWO_MIB, 1024),
    dedupeWindowMs: integer('dedupeWindowMs', options.dedupeWindowMs ?? 10 * 60_000, 0),
    upstreamTimeoutMs: integer('upstreamTimeoutMs', options.upstreamTimeoutMs ?? 30_000, 1),
    retry: {
      baseMs: integer('retry.baseMs', options.retry?.baseMs ?? 1000, 1),
      maxMs: integer('retry.maxMs', options.retry?.maxMs ?? 30_000, 1),
    },
    log: options.log ?? 'off',
  };
}

function httpUrl(name: string, value: string, expected: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new RelayConfigError(`${name} must be ${expected} (without query or fragment), got '${value}'`);
  }
  return url;
}

function integer(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RelayConfigError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function firstPartyRoutes(routes: Record<string, Endpoint>): RelayConfig['routes'] {
  return Object.entries(routes).map(([raw, endpoint]) => {
    const path = raw.replace(/\/+$/, '');
    if (!/^\/[A-Za-z0-9._~\-/]+$/.test(path) || path.includes('//')) {
      throw new RelayConfigError(`route '${raw}' must be a path like /e/ (letters, digits, . _ ~ - and /)`);
    }
    if (RESERVED.test(path) || /^\/(track|engage|groups)$/.test(path)) {
      throw new RelayConfigError(`route '${raw}' is taken by the relay itself`);
    }
    if (!ENDPOINTS.includes(endpoint)) throw new RelayConfigError(`route '${raw}' must map to track, engage or groups, got '${endpoint}'`);
    return { path, endpoint };
  });
}

function tokenList(tokens: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (tokens === undefined) return undefined;
  if (tokens.length === 0 || tokens.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new RelayConfigError('tokens must be a non-empty list of project tokens (leave it out to forward every token)');
  }
  return new Set(tokens.map((t) => t.trim()));
}
