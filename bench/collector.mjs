// Ingestion throughput of the local collector (not a test): 100,000 events in 2000-event
// batches, form `data=` JSON (mixpanel-js api_payload_format "json"), over a keep-alive agent
// with a few requests in flight, into a temporary SQLite file.
//
// Run after `npx tsc -p collector`:  node bench/collector.mjs [--events N] [--batch N] [--concurrency N]
// The request bodies are built before the clock starts: client and server share this process,
// and the figure is meant to measure the collector, not the client's JSON.stringify.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCollector } from '../collector/dist/index.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '4' },
  },
});
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const TOKEN = 'bench-project-token';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heed-collector-bench-'));
const dbFile = path.join(dir, 'collector.db');
const collector = await startCollector({ db: dbFile });
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

const names = ['Page View', 'Signed Up', 'Added To Cart', 'Checkout Started', 'Video Played'];
const browsers = ['Chrome', 'Firefox', 'Safari', 'Edge'];
const users = Array.from({ length: 500 }, (_, i) => `user-${i}`);

/** An event shaped like what mixpanel-js sends: default properties plus a few custom ones. */
function makeEvent(i) {
  const user = users[i % users.length];
  return {
    event: names[i % names.length],
    properties: {
      token: TOKEN,
      time: 1_790_000_000 + i / 1000,
      distinct_id: user,
      $device_id: `device-${i % 700}`,
      $user_id: user,
      $insert_id: randomUUID(),
      mp_lib: 'web',
      $lib_version: '0.1.0',
      $os: i % 3 ? 'Mac OS X' : 'Windows',
      $browser: browsers[i % browsers.length],
      $browser_version: 120 + (i % 7),
      $current_url: `https://shop.example/products/${i % 97}?ref=bench`,
      $screen_height: 1080,
      $screen_width: 1920,
      plan: i % 5 ? 'free' : 'pro',
      cart_value: Math.round(i * 13.7) / 100,
    },
  };
}

const bodies = [];
for (let start = 0; start < EVENTS; start += BATCH) {
  const batch = [];
  for (let i = start; i < Math.min(start + BATCH, EVENTS); i++) batch.push(makeEvent(i));
  bodies.push(Buffer.from(`data=${encodeURIComponent(JSON.stringify(batch))}`));
}
const largest = Math.max(...bodies.map((b) => b.length));

function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${collector.url}/track/?ip=1`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200 || text !== '1') reject(new Error(`HTTP ${res.statusCode}: ${text}`));
          else resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) await post(bodies[next++]);
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

const rows = collector.db.prepare('SELECT count(*) FROM events').pluck().get();
agent.destroy();
await collector.close();
fs.rmSync(dir, { recursive: true, force: true });

if (rows !== EVENTS) {
  console.error(`row count mismatch: stored ${rows}, sent ${EVENTS}`);
  process.exit(1);
}
console.log(
  `collector ingest: ${EVENTS} events in ${bodies.length} requests of ${BATCH} ` +
    `(largest body ${(largest / 1024).toFixed(0)} KiB, ${CONCURRENCY} in flight): ` +
    `${seconds.toFixed(2)} s, ${Math.round(EVENTS / seconds).toLocaleString('en-US')} events/s ` +
    // CPU time of this process: the machine may be shared, wall time alone can mislead.
    `(${cpuSeconds.toFixed(2)} s CPU, ${Math.round(EVENTS / cpuSeconds).toLocaleString('en-US')} events per CPU-second); ` +
    `rows verified: ${rows}`,
);
