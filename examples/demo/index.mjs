// The demo behind `npm run demo`: heed's collector (ingestion, live inspector, GDPR API) on a
// SQLite file, and a shop site whose own backend signs people in and answers their data requests
// with heed/privacy (examples/privacy-backend). Nothing is opened: the URLs are printed.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { startCollector } from '@heed/collector';
import { createPrivacyClient } from 'heed/privacy';
import { createBackend, DEV_GDPR_TOKEN } from '../privacy-backend/backend.mjs';

const SITE = join(dirname(fileURLToPath(import.meta.url)), 'site');
export const TOKEN = 'heed-demo';

/** The site's script with heed bundled in, built in memory (a second or so). */
async function bundle() {
  const build = await rollup({ input: join(SITE, 'app.js'), plugins: [nodeResolve({ browser: true })] });
  try {
    return (await build.generate({ format: 'es' })).output[0].code;
  } finally {
    await build.close();
  }
}

function listen(server, port, host) {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
}

/**
 * Start the demo. `port` is the site's (0 = any free one), `collectorPort` the collector's, `db`
 * the SQLite file (kept after `close()`), `gdprStepMs` the time per GDPR job stage.
 * @returns {Promise<{ siteUrl: string, inspectorUrl: string, collectorUrl: string, db: string, close(): Promise<void> }>}
 */
export async function startDemo({ port = 8080, collectorPort = 8787, db = join('.heed', 'demo.db'), gdprStepMs = 1000, host = '127.0.0.1' } = {}) {
  const file = db === ':memory:' ? db : resolve(db);
  const app = await bundle();
  const collector = await startCollector({ port: collectorPort, host, db: file, gdprToken: DEV_GDPR_TOKEN, gdprStepMs });
  const backend = createBackend({
    // The site's backend holds the GDPR token; the browser only ever talks to /privacy here.
    client: createPrivacyClient({ token: TOKEN, oauthToken: DEV_GDPR_TOKEN, baseUrl: `${collector.url}/api/app` }),
    // The page polls a job's status every second; the default (10 a minute) is for production.
    rateLimit: { limit: 60, windowMs: 60000 },
  });
  const config = JSON.stringify({ token: TOKEN, apiHost: collector.url, inspector: `${collector.url}/` });
  const page = await readFile(join(SITE, 'index.html'));

  const server = createServer((req, res) => {
    if (backend.handle(req, res)) return;
    const path = new URL(req.url || '/', 'http://x').pathname;
    const send = (type, body) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/') send('text/html; charset=utf-8', page);
    else if (path === '/app.js') send('text/javascript; charset=utf-8', app);
    else if (path === '/config.json') send('application/json', config);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  try {
    await listen(server, port, host);
  } catch (error) {
    await collector.close();
    throw error;
  }
  const siteUrl = `http://${host}:${server.address().port}/`;
  let closing;
  return {
    siteUrl,
    inspectorUrl: `${collector.url}/`,
    collectorUrl: collector.url,
    db: file,
    close() {
      closing ??= (async () => {
        await new Promise((done) => {
          // Idle keep-alive sockets close now; a request still running gets a moment to finish.
          const force = setTimeout(() => server.closeAllConnections(), 2000).unref();
          server.close(() => done(clearTimeout(force)));
          server.closeIdleConnections();
        });
        await collector.close(); // WAL checkpoint: the data stays in the file
      })();
      return closing;
    },
  };
}
