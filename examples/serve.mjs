// What the examples' one-line commands share: heed's local collector (ingestion, the live
// inspector at `/`, the GDPR API) serving an example's page, URLs printed, Ctrl-C to stop.
// Run from a clone after `npm install && npm run build` (the collector and dist/ are built then).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startCollector } from '@heed/collector';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `--port` (default `PORT` or `fallback`; 0 = any free port) and `--db` (default in memory). */
export function options(fallbackPort = 8787) {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, db: { type: 'string' } },
    strict: true,
  });
  return { port: Number(values.port ?? process.env.PORT ?? fallbackPort), db: values.db ?? ':memory:' };
}

export function requireBuild() {
  if (!existsSync(join(ROOT, 'dist', 'heed.mjs'))) {
    console.error('heed is not built yet: run `npm run build` at the repository root first.');
    process.exit(1);
  }
}

/** Run `close()` on Ctrl-C / SIGTERM, then exit; a second signal exits at once. */
export function stopOnSignal(close) {
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * Serve `site` at `/site/` (and heed's dist/ at `/dist/`) from a collector: the page and the
 * ingestion host share one origin, so the page's `api_host` is `location.origin`.
 */
export async function serveExample(name, site) {
  requireBuild();
  const { port, db } = options();
  const collector = await startCollector({ port, db, static: { '/site/': site, '/dist/': join(ROOT, 'dist') } }).catch((error) => {
    if (error.code !== 'EADDRINUSE') throw error;
    console.error(`port ${port} is in use: pass another, e.g. --port 0 for any free one`);
    process.exit(1);
  });
  console.log(`heed example: ${name}
  site:      ${collector.url}/site/
  inspector: ${collector.url}/
Ctrl-C to stop.`);
  stopOnSignal(() => collector.close());
  return collector;
}
