// A server-side app on heed's built Node entry, for the relay chain tests (relay-rig.ts runHeed):
//   node relay-heed-app.mjs <api_host> <token> <run> <count> <everyMs>
// Tracks <count> events (properties n, run, and an `ip` the relay must drop), one every <everyMs>,
// in browser-sized batches of 50, then flushes until a flush succeeds (the relay may be down or
// restarting meanwhile: heed keeps what was not confirmed and sends it again).
import { createHeed } from '../../dist/heed.node.mjs';

const [apiHost, token, run, count, everyMs] = process.argv.slice(2);
const heed = createHeed();
heed.init(token, { api_host: apiHost, batch_size: 50, batch_flush_interval_ms: 200 });
heed.identify(`person-${run}`);
for (let n = 0; n < Number(count); n++) {
  heed.track('relay test', { n, run, ip: '203.0.113.9' });
  if (Number(everyMs) > 0) await new Promise((resolve) => setTimeout(resolve, Number(everyMs)));
}
for (let attempt = 1; ; attempt++) {
  try {
    await heed.flush();
    break;
  } catch (error) {
    if (attempt === 600) throw error;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
process.stdout.write(`done ${count}\n`);
