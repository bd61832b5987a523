// The cost of heed's server-side suppression check (issue 17), in one child process: a tracker
// whose Redis list holds 10,000 suppressed ids against one with an empty in-memory list, both
// tracking the same events for people who are not suppressed, in alternating rounds (so drift in
// the machine hits both). Also times isSuppressed() alone, and how long a suppression made by one
// tracker takes to reach another over Redis pub/sub. Run by bench/node.mjs (or alone):
//
//   node bench/suppression.mjs --redis redis://127.0.0.1:6379 [--ids 10000] [--heed-module dist/heed.node.mjs]
//
// Only 127.0.0.1 is contacted: the trackers' api_host is a port nothing listens on, and nothing is flushed.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    redis: { type: 'string' },
    ids: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '201' },
    events: { type: 'string', default: '500' },
    'heed-module': { type: 'string', default: path.join(ROOT, 'dist/heed.node.mjs') },
  },
});
const IDS = Number(args.ids);
const ROUNDS = Number(args.rounds);
const EVENTS = Number(args.events);

const { createHeed, memorySuppressions, redisSuppressions } = await import(pathToFileURL(path.resolve(args['heed-module'])).href);
const { createClient } = await import('redis');

const key = `heed:bench:${process.pid}`;
const admin = createClient({ url: args.redis });
await admin.connect();
await admin.del(key);
for (let i = 0; i < IDS; i += 1000) await admin.sAdd(key, Array.from({ length: Math.min(1000, IDS - i) }, (_, j) => `suppressed-${i + j}`));

// Held, never sent: the loop is what is timed (the outbox queues; nothing leaves before the end).
const base = { api_host: 'http://127.0.0.1:9', batch_flush_interval_ms: 3_600_000, batch_size: 1_000_000, queue_limit: 10_000_000 };
const tracker = (store) => {
  const t = createHeed();
  t.init('bench-suppression', { ...base, suppression_store: store });
  return t;
};
const plain = tracker(memorySuppressions());
const listed = tracker(redisSuppressions({ url: args.redis, key }));
await until(() => listed.isSuppressed('suppressed-0') && listed.isSuppressed(`suppressed-${IDS - 1}`), 10_000);
const held = (await listed.suppressed()).length;

const props = (i) => ({ distinct_id: `person-${i}`, plan: 'pro', seq: i, price: 9.99, path: '/checkout/payment' });
const loop = (heed, offset) => {
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) heed.track('bench', props(offset + i));
  return ((performance.now() - t0) * 1000) / EVENTS; // µs per track()
};
// Paired rounds: each round times both trackers back to back (alternating which goes first), and
// the figure is the median of the per-round differences, so load on the machine cancels out.
const a = [];
const b = [];
const empty = (heed) => (heed.opt_out_tracking(), heed.opt_in_tracking()); // drops the held queue, untimed
for (let r = -20; r < ROUNDS; r++) {
  const first = r % 2 ? [listed, b] : [plain, a];
  const second = r % 2 ? [plain, a] : [listed, b];
  const x = loop(first[0], r * EVENTS);
  const y = loop(second[0], r * EVENTS);
  if (r >= 0) first[1].push(x), second[1].push(y); // the first 20 rounds warm up
  if (r % 20 === 19) empty(plain), empty(listed);
}

// isSuppressed alone: a lookup in the local copy, 1 in 10 a suppressed id.
const probes = Array.from({ length: 1000 }, (_, i) => (i % 10 ? `person-${i}` : `suppressed-${i}`));
let hits = 0;
const N = 2_000_000;
const t0 = performance.now();
for (let i = 0; i < N; i++) if (listed.isSuppressed(probes[i % 1000])) hits++;
const checkNs = ((performance.now() - t0) * 1e6) / N;

// Staleness: one tracker suppresses, how long until another tracker's copy has it (over Redis).
// Fresh trackers, with nothing queued for suppress() to look through.
const [from, to] = [tracker(redisSuppressions({ url: args.redis, key })), tracker(redisSuppressions({ url: args.redis, key }))];
await until(() => from.isSuppressed('suppressed-0') && to.isSuppressed('suppressed-0'), 10_000);
const lags = [];
for (let i = 0; i < 50; i++) {
  const id = `late-${i}`;
  const start = performance.now();
  await from.suppress(id);
  await until(() => to.isSuppressed(id), 5000, 0);
  lags.push(performance.now() - start);
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const result = {
  suppressedIds: held,
  rounds: ROUNDS,
  events: EVENTS,
  trackUsEmptyMemoryList: median(a),
  trackUsRedisList: median(b),
  checkUsPerEvent: median(a.map((x, i) => b[i] - x)),
  isSuppressedNs: checkNs,
  hits: hits / (N / 1000),
  propagationMs: { median: median(lags), max: Math.max(...lags) },
};
process.stdout.write(JSON.stringify(result) + '\n');
await admin.del(key);
await admin.close();
process.exit(0);

async function until(check, ms, every = 5) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench/suppression: not within ${ms} ms`);
    await new Promise((r) => (every ? setTimeout(r, every) : setImmediate(r)));
  }
}
