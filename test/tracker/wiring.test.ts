import { trackerFactory } from '../../src/tracker';
import type { Platform } from '../../src/platform';
import { memoryStore } from '../../src/storage/memory';
import { recordingStore, startBench, tick, type Bench } from '../helpers/collector';

/**
 * How the tracker wires the outbox to a platform (`Platform.outbox / purge / beacon / online /
 * lifecycle`), with a scripted platform: the browser entry's listeners are checked in Chromium
 * (test/e2e/delivery.e2e.ts).
 */
const TOKEN = 'wiringTok';
let bench: Bench;
let online: boolean;
let hooks: { hidden(): void; hide(): void; online(): void };
let beacons: Array<{ url: string; body: string }>;
let purges: number;
let persisted: ReturnType<typeof recordingStore>;
let profiles: Map<string, string>;

const platform: Platform = {
  store: (_kind, prefix) => memoryStore(prefix, profiles),
  signal: () => false,
  context: () => ({}),
  page: () => ({}),
  pageview: () => ({}),
  outbox: () => persisted.store,
  purge: async () => void purges++,
  beacon(url, body) {
    beacons.push({ url, body });
    return true;
  },
  online: () => online,
  lifecycle: (on) => void (hooks = on),
};
const createHeed = trackerFactory(platform);

beforeEach(async () => {
  bench = await startBench();
  online = true;
  beacons = [];
  purges = 0;
  persisted = recordingStore(new Map(), '');
  profiles = new Map();
});
afterEach(() => bench.close());

const start = (interval = 60_000) => {
  const heed = createHeed();
  heed.init(TOKEN, { api_host: bench.url, batch_flush_interval_ms: interval });
  return heed;
};
const stored = () => Object.values(persisted.batches()).flatMap((b) => b.p as Array<{ properties: { i: number } }>);

test('offline pauses, timers included; the `online` lifecycle event sends what was kept', async () => {
  online = false;
  const heed = start(20);
  for (let i = 0; i < 5; i++) heed.track('e', { i });
  await tick(150);
  expect(bench.requests()).toHaveLength(0);
  expect(stored().map((e) => e.properties.i)).toEqual([0, 1, 2, 3, 4]);
  online = true;
  hooks.online();
  await bench.until(() => bench.rows().length === 5);
  expect(bench.requests().map((r) => r.items)).toEqual([5]);
  await tick(20);
  expect(stored()).toEqual([]);
});

test('the page going hidden sends at once, without waiting for the interval', async () => {
  const heed = start();
  for (let i = 0; i < 3; i++) heed.track('e', { i });
  hooks.hidden();
  await bench.until(() => bench.rows().length === 3);
});

test('page hide hands the queue to the beacon; the next page re-sends the kept copy, once per $insert_id', async () => {
  const heed = start();
  for (let i = 0; i < 3; i++) heed.track('e', { i });
  hooks.hide();
  expect(beacons).toHaveLength(1);
  expect(beacons[0].url).toBe(`${bench.url}/track/?verbose=1&ip=1`);
  const sent = JSON.parse(new URLSearchParams(beacons[0].body).get('data')!) as Array<{ properties: { $insert_id: string } }>;
  expect(sent).toHaveLength(3);
  await fetch(beacons[0].url, { method: 'POST', body: beacons[0].body, headers: { 'content-type': 'text/plain' } });
  await tick(10);
  expect(stored()).toHaveLength(3); // kept until a later page confirms it

  start(); // the next page adopts the kept copy
  await bench.until(() => bench.requests().length === 2);
  await tick(10);
  expect(bench.rows().map((r) => r.insert_id).sort()).toEqual(sent.map((e) => e.properties.$insert_id).sort());
  expect(bench.requests().map((r) => r.items)).toEqual([3, 3]);
  expect(stored()).toEqual([]);
});

test('opt-out empties the persisted outbox, then asks the platform to purge; nothing is delivered later', async () => {
  await bench.fault({ mode: '500' });
  const heed = start();
  for (let i = 0; i < 5; i++) heed.track('e', { i });
  await expect(heed.flush()).rejects.toMatchObject({ status: 500 });
  expect(stored()).toHaveLength(5);
  heed.opt_out_tracking();
  await bench.until(() => purges === 1);
  expect(persisted.batches()).toEqual({});
  await fetch(`${bench.url}/api/faults`, { method: 'DELETE' });
  await heed.flush();
  hooks.online();
  await tick(200);
  expect(bench.rows()).toEqual([]);
  expect(bench.requests().map((r) => r.status)).toEqual([500]);
});
