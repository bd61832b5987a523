// node examples/privacy-backend/server.mjs [--port 3000]
//
// The backend of examples/privacy-backend/backend.mjs on its own. Data requests go to Mixpanel
// when MIXPANEL_PROJECT_TOKEN and MIXPANEL_GDPR_TOKEN are set (MIXPANEL_REGION: us, eu, in), to
// the collector at HEED_COLLECTOR_URL when that is set, else to a collector started here.
import { createServer } from 'node:http';
import { startCollector } from '@heed/collector';
import { clientFromEnv, createBackend } from './backend.mjs';
import { options, requireBuild, stopOnSignal } from '../serve.mjs';

requireBuild();
const { port, db } = options(3000);
const env = process.env;
const toMixpanel = Boolean(env.MIXPANEL_PROJECT_TOKEN || env.MIXPANEL_GDPR_TOKEN);
// A collector of our own only when nothing else was named.
const collector = toMixpanel || env.HEED_COLLECTOR_URL ? undefined : await startCollector({ db });
const client = clientFromEnv(env, env.HEED_COLLECTOR_URL || collector?.url);
const backend = createBackend({ client });

const server = createServer((req, res) => {
  if (!backend.handle(req, res)) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  }
});
await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve)).catch(async (error) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(`port ${port} is in use: pass another, e.g. --port 0 for any free one`);
  await collector?.close();
  process.exit(1);
});
const url = `http://127.0.0.1:${server.address().port}`;
console.log(`heed example: privacy-backend
  backend:   ${url}  (POST /session, POST /privacy/deletion, POST /privacy/export, GET /privacy/tasks/:id)
  gdpr api:  ${toMixpanel ? `Mixpanel (${env.MIXPANEL_REGION || 'us'})` : `${env.HEED_COLLECTOR_URL || collector.url}/api/app`}${collector ? `\n  inspector: ${collector.url}/` : ''}
Ctrl-C to stop.`);

stopOnSignal(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await collector?.close();
});
