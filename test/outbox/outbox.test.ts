import { createOutbox, type Outbox, type OutboxOptions } from '../../src/outbox';
import { post, type TransportOptions } from '../../src/transport';
import { isHeedError, type HeedError } from '../../src/errors';
import { ev, recordingStore, startBench, tick, type Bench } from '../helpers/collector';

// A fresh collector per test: a request still on its way from an earlier test cannot land here.
let bench: Bench;
let transport: TransportOptions;
const open: Outbox[] = [];

beforeEach(async () => {
  bench = await startBench();
  transport = { base: bench.url, format: 'json', ip: false };
});
afterEach(async () => {
  jest.restoreAllMocks();
  // Stop every timer and in-flight request a test left behind.
  await Promise.all(open.splice(0).map((o) => o.clear(false)));
  await bench.close();
});

interface Setup {
  size?: number;
  interval?: number;
  cap?: number;
  timeout?: number;
  store?: ReturnType<typeof recordingStore>;
  options?: Partial<OutboxOptions>;
}

function outbox({ size = 50, interval = 60_000, cap = 10_000, timeout = 5000, store = recordingStore(), options = {} }: Setup = {}) {
  const warnings: string[] = [];
  const to = transport;
  const o = createOutbox({
    send: (endpoint, payloads, signal) => post(to, endpoint, payloads, signal),
    store: store.store,
    warn: (m) => warnings.push(m),
    ...options,
  });
  o.configure(size, interval, cap, timeout);
  open.push(o);
  return { o, store, warnings };
}

const add = (o: Outbox, from: number, to: number, results?: number[], now = false) => {
  for (let i = from; i < to; i++) o.add('track', ev(i), results && ((r) => results.push(r)), now);
};
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const ids = (from: number, to: number) => range(from, to).map((i) => `ins-${i}`);
/** Backoff delays become `fraction` of their bound (full jitter draws from [0, bound]). */
const jitter = (fraction: number) => jest.spyOn(Math, 'random').mockReturnValue(fraction);

describe('persistence', () => {
  test('one key per batch, written once per tick: never a write per event', async () => {
    const { o, store } = outbox({ options: { online: () => false } }); // nothing leaves the store
    add(o, 0, 120);
    await tick(10);
    const batches = Object.values(store.batches());
    expect(batches.map((b) => b.p.length)).toEqual([50, 50, 20]);
    expect(batches.flatMap((b) => b.p)).toEqual(range(0, 120).map((i) => ev(i)));
    expect(store.calls.set).toBe(3);
    // One more event rewrites only the open batch.
    add(o, 120, 121);
    await tick(10);
    expect(store.calls.set).toBe(4);
    expect(Object.values(store.batches()).map((b) => b.p.length)).toEqual([50, 50, 21]);
  });

  test('a batch leaves the store only after a 2xx', async () => {
    const { o, store } = outbox();
    await bench.fault({ mode: '500', count: 1 });
    const results: number[] = [];
    add(o, 0, 5, results);
    const error = await o.flush().then(() => undefined, (e: HeedError) => e);
    expect(isHeedError(error) && error.status).toBe(500);
    expect(Object.values(store.batches()).map((b) => b.p.length)).toEqual([5]);
    expect(results).toEqual([]);
    await o.flush();
    await tick(10);
    expect(store.batches()).toEqual({});
    expect(results).toEqual([1, 1, 1, 1, 1]);
    expect(bench.rows().map((r) => r.insert_id)).toEqual(ids(0, 5));
  });

  test("another tab's orphaned batches are adopted with their $insert_ids and sent once", async () => {
    const shared = new Map<string, string>();
    const crashed = outbox({ store: recordingStore(shared) });
    add(crashed.o, 0, 30);
    await tick(10);
    await crashed.o.clear(false); // the tab dies: memory gone, the store keeps its batches
    const foreign = recordingStore(shared);
    foreign.map.set('tok:corrupt-0', JSON.stringify({ e: 'nope', p: 1 }));
    foreign.map.set('other:x-0', JSON.stringify({ e: 'track', p: [ev(99)] })); // another token's namespace

    const next = outbox({ store: recordingStore(shared) });
    add(next.o, 30, 32); // this tab's own batch is not "adopted" a second time
    await tick(10);
    await next.o.restore();
    await next.o.restore();
    await next.o.flush();
    await tick(10);
    expect(bench.rows().map((r) => r.insert_id)).toEqual(ids(0, 32));
    expect(bench.requests().reduce((n, r) => n + r.items, 0)).toBe(32); // nothing sent twice
    expect([...shared.keys()]).toEqual(['other:x-0']); // the corrupt entry is removed too
  });

  test('two tabs adopting the same orphan both send it: the collector keeps each $insert_id once', async () => {
    const shared = new Map<string, string>();
    const crashed = outbox({ store: recordingStore(shared) });
    add(crashed.o, 0, 10);
    await tick(10);
    await crashed.o.clear(false);
    const a = outbox({ store: recordingStore(shared) });
    const b = outbox({ store: recordingStore(shared) });
    await Promise.all([a.o.restore(), b.o.restore()]);
    await Promise.all([a.o.flush(), b.o.flush()]);
    expect(bench.requests().map((r) => r.items)).toEqual([10, 10]);
    expect(bench.rows().map((r) => r.insert_id)).toEqual(ids(0, 10));
  });
});

describe('server answers', () => {
  test('413 halves the batch until it fits; every event arrives once', async () => {
    const one = `data=${encodeURIComponent(JSON.stringify([ev(10)]))}`.length;
    await bench.fault({ mode: '413', maxBytes: one * 7 });
    const { o, store } = outbox();
    const results: number[] = [];
    add(o, 0, 50, results);
    await o.flush();
    await tick(10);
    expect(bench.rows().map((r) => r.insert_id)).toEqual(ids(0, 50));
    const requests = bench.requests();
    // Halves of halves: 50 → 25 → 13|12 → 7|6, the refused ones were all above the limit.
    expect(requests.filter((r) => r.status === 413)).toHaveLength(7);
    expect(requests.filter((r) => r.status === 200).map((r) => r.items).sort()).toEqual([6, 6, 6, 6, 6, 6, 7, 7]);
    expect(requests.filter((r) => r.status === 200).every((r) => r.bytes <= one * 7)).toBe(true);
    expect(results).toEqual(new Array(50).fill(1));
    expect(store.batches()).toEqual({});
  });

  test('413 on a single event drops it with a debug warning; it is not retried', async () => {
    await bench.fault({ mode: '413', maxBytes: 20 });
    const { o, store, warnings } = outbox();
    const results: number[] = [];
    add(o, 0, 1, results);
    await expect(o.flush()).rejects.toMatchObject({ status: 413 });
    expect(warnings).toEqual([expect.stringMatching(/^dropped 1 track item\(s\): track: HTTP 413/)]);
    expect(results).toEqual([0]);
    await tick(100);
    expect(bench.requests()).toHaveLength(1);
    expect(store.batches()).toEqual({});
  });

  test('other 4xx drop the batch with a debug warning and never retry it; later batches still go', async () => {
    const { o, store, warnings } = outbox({ size: 2 });
    const results: number[] = [];
    // Both items invalid (no event name): the collector answers 400.
    o.add('track', { event: '', properties: { token: 'tok' } }, (r) => results.push(r));
    o.add('track', { event: '', properties: { token: 'tok' } }, (r) => results.push(r));
    await expect(o.flush()).rejects.toMatchObject({ status: 400 });
    expect(warnings).toEqual([expect.stringMatching(/^dropped 2 track item\(s\): track: HTTP 400/)]);
    expect(results).toEqual([0, 0]);
    add(o, 0, 1, results);
    await o.flush();
    await tick(100);
    expect(bench.requests().map((r) => r.status)).toEqual([400, 200]);
    expect(results).toEqual([0, 0, 1]);
    expect(store.batches()).toEqual({});
  });

  test('429 waits for Retry-After, not for the backoff', async () => {
    jitter(0); // a backoff would retry at once
    await bench.fault({ mode: '429', count: 1, retryAfter: 1 });
    const { o } = outbox({ interval: 10 });
    add(o, 0, 3);
    await bench.until(() => bench.rows().length === 3, 4000);
    const [refused, accepted] = bench.requests();
    expect([refused.status, accepted.status]).toEqual([429, 200]);
    expect(accepted.at - refused.at).toBeGreaterThanOrEqual(950);
    expect(accepted.at - refused.at).toBeLessThan(2500); // not some longer backoff either
  });

  test('a backoff holds back every automatic send: later intervals and full batches wait for Retry-After', async () => {
    jitter(0);
    await bench.fault({ mode: '429', count: 1, retryAfter: 1 });
    const { o } = outbox({ size: 10, interval: 20 });
    add(o, 0, 3);
    await bench.until(() => bench.requests().length === 1);
    add(o, 3, 25); // two full batches and an interval's worth, during the wait
    await tick(500);
    expect(bench.requests()).toHaveLength(1);
    await bench.until(() => bench.rows().length === 25, 3000);
    const [refused, ...later] = bench.requests();
    expect(refused.status).toBe(429);
    expect(later.every((r) => r.status === 200 && r.at - refused.at >= 950)).toBe(true);
  });

  test('flush() does not wait for a backoff: the app asked for now', async () => {
    await bench.fault({ mode: '500', count: 1 });
    const { o } = outbox();
    add(o, 0, 3);
    await expect(o.flush()).rejects.toMatchObject({ status: 500 });
    await o.flush();
    expect(bench.rows()).toHaveLength(3);
  });

  test('batches go one request at a time per endpoint, in order, the endpoints side by side', async () => {
    let inFlight = 0;
    let most = 0;
    const order: number[] = [];
    const { o } = outbox({
      size: 10,
      options: {
        send(endpoint, payloads, signal) {
          most = Math.max(most, ++inFlight);
          if (endpoint === 'track') order.push(...payloads.map((p) => (p as ReturnType<typeof ev>).properties.i));
          return post(transport, endpoint, payloads, signal).finally(() => inFlight--);
        },
      },
    });
    add(o, 0, 100);
    for (let i = 0; i < 10; i++) o.add('engage', { $token: 'tok', $distinct_id: 'u', $add: { n: 1 } });
    await bench.until(() => bench.rows().length === 100);
    expect(order).toEqual(range(0, 100));
    expect(most).toBe(2); // one /track and one /engage
  });

  test('5xx is retried on its own with exponential backoff, reset after a success', async () => {
    jitter(0.05); // delays 5% of their bound: 100, 200, 400 ms
    await bench.fault({ mode: '500', count: 3 });
    const { o, store } = outbox({ interval: 10 });
    add(o, 0, 3);
    await bench.until(() => bench.rows().length === 3, 4000);
    const at = bench.requests().map((r) => r.at);
    const gaps = at.slice(1).map((t, k) => t - at[k]);
    expect(bench.requests().map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    expect(gaps[2]).toBeGreaterThanOrEqual(390);
    expect(gaps[2]).toBeLessThan(1500);
    await tick(10);
    expect(store.batches()).toEqual({});

    // The next failure starts again from the first delay.
    await bench.fault({ mode: '500', count: 1 });
    add(o, 3, 4);
    await bench.until(() => bench.rows().length === 4, 4000);
    const later = bench.requests().slice(4);
    expect(later.map((r) => r.status)).toEqual([500, 200]);
    expect(later[1].at - later[0].at).toBeLessThan(700); // 100 ms, not attempt 3's 800 ms
  });

  test('a reset connection is a network error: retried, delivered once', async () => {
    jitter(0.05);
    await bench.fault({ mode: 'reset', count: 2 });
    const { o } = outbox({ interval: 10 });
    const results: number[] = [];
    add(o, 0, 4, results);
    await bench.until(() => results.length === 4, 4000);
    expect(results).toEqual([1, 1, 1, 1]);
    expect(bench.requests().map((r) => r.error)).toEqual(['fault injected: reset', 'fault injected: reset', null]);
    expect(bench.rows().map((r) => r.insert_id)).toEqual(ids(0, 4));
  });

  test('batch_request_timeout_ms aborts a hanging request; the batch stays stored and is retried', async () => {
    jitter(0.05);
    await bench.fault({ mode: 'hang', count: 1 });
    const { o, store } = outbox({ timeout: 300, interval: 10 });
    const results: number[] = [];
    const t0 = Date.now();
    add(o, 0, 2, results);
    await bench.until(() => bench.requests().length === 1);
    await tick(100);
    expect(Object.values(store.batches()).map((b) => b.p.length)).toEqual([2]); // still hanging: kept
    await bench.until(() => results.length === 2, 4000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(bench.requests().map((r) => r.status)).toEqual([0, 200]);
    expect(bench.rows().map((r) => r.insert_id)).toEqual(ids(0, 2));
    await tick(10);
    expect(store.batches()).toEqual({});
  });
});

describe('limits and pauses', () => {
  test('max_queued_events drops the oldest, counts and warns; the newest are delivered', async () => {
    let online = false;
    const { o, store, warnings } = outbox({ cap: 5, options: { online: () => online } });
    const results: number[] = [];
    add(o, 0, 8, results);
    expect(o.dropped).toBe(3);
    expect(results).toEqual([0, 0, 0]);
    // Issue 13: one warning per episode, and the count once delivery works again (not one per event).
    expect(warnings).toEqual(['outbox full (5 events): dropping the oldest while delivery fails']);
    await tick(10);
    expect(Object.values(store.batches()).flatMap((b) => b.p)).toEqual(range(3, 8).map((i) => ev(i)));
    online = true;
    await o.flush();
    expect(bench.rows().map((r) => r.i)).toEqual(range(3, 8));
    expect(results).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
    expect(warnings.slice(1)).toEqual(['outbox full: 3 event(s) were dropped while delivery failed (max_queued_events)']);
  });

  test.each([100, 101, 300])('offline at the cap: the store holds the newest events, not an emptied or stale outbox (%i tracked, cap 100)', async (n) => {
    const { o, store } = outbox({ cap: 100, options: { online: () => false } });
    add(o, 0, Math.min(n, 100));
    await tick(20); // persisted; later events arrive in later tasks, as clicks do
    for (let i = 100; i < n; i++) {
      add(o, i, i + 1);
      if (i % 50 === 0) await tick(5);
    }
    await tick(50);
    const kept = Object.values(store.batches()).flatMap((b) => b.p.map((e) => (e as ReturnType<typeof ev>).properties.i));
    expect(kept.sort((a, b) => a - b)).toEqual(range(n - 100, n));
  });

  test('dropping the oldest never leaves an empty batch to send', async () => {
    let online = false;
    const { o, store, warnings } = outbox({ size: 2, cap: 3, options: { online: () => online } });
    add(o, 0, 6); // batches [0,1] [2,3] [4,5] while offline: 0, 1 and 2 are dropped
    expect(o.dropped).toBe(3);
    online = true;
    await o.flush();
    await tick(10);
    expect(bench.rows().map((r) => r.i)).toEqual([3, 4, 5]);
    expect(bench.requests().map((r) => [r.status, r.items])).toEqual([
      [200, 1],
      [200, 2],
    ]);
    expect(warnings.filter((w) => !w.startsWith('outbox full'))).toEqual([]);
    expect(store.batches()).toEqual({});
  });

  test('offline pauses sending, timers included; flush() rejects; nothing is lost', async () => {
    let online = false;
    const { o, store } = outbox({ size: 2, interval: 20, options: { online: () => online } });
    add(o, 0, 5);
    await tick(150);
    expect(bench.requests()).toHaveLength(0);
    await expect(o.flush()).rejects.toThrow('offline');
    expect(Object.values(store.batches()).flatMap((b) => b.p)).toHaveLength(5);
    online = true;
    await o.flush();
    expect(bench.rows().map((r) => r.i)).toEqual(range(0, 5));
  });
});

describe('clear()', () => {
  test('fences persistence: a write queued before clear never lands after it', async () => {
    const { o, store } = outbox();
    const release = store.hold();
    add(o, 0, 5);
    await tick(5); // the first write has started and is held
    add(o, 5, 10);
    await tick(5); // a second write is queued behind it
    const cleared = o.clear(true);
    release();
    await cleared;
    expect(store.batches()).toEqual({});
    const landed = store.log.slice();
    await tick(50);
    expect(store.log).toEqual(landed); // nothing after the clear
    expect(store.calls.set).toBe(1);
    expect(store.batches()).toEqual({});
  });

  test('a write scheduled but not yet started is dropped', async () => {
    const { o, store } = outbox();
    add(o, 0, 5);
    await o.clear(true);
    await tick(20);
    expect(store.calls.set).toBe(0);
    expect(store.batches()).toEqual({});
  });

  test("removes every persisted batch of the token, other tabs' included, and only that token's", async () => {
    const shared = new Map<string, string>();
    const mine = recordingStore(shared);
    shared.set('tok:othertab-0', JSON.stringify({ e: 'track', p: [ev(1)] }));
    shared.set('tok2:x-0', JSON.stringify({ e: 'track', p: [ev(2)] }));
    const { o } = outbox({ store: mine, options: { online: () => false } });
    add(o, 0, 60);
    await tick(10);
    expect(Object.keys(mine.batches())).toHaveLength(3);
    await o.clear(true);
    expect([...shared.keys()]).toEqual(['tok2:x-0']);
  });

  test('aborts the request in flight and ignores its result: nothing is retried or delivered', async () => {
    jitter(0.05);
    await bench.fault({ mode: 'hang', count: 1 });
    const { o, store } = outbox({ interval: 10 });
    const results: number[] = [];
    add(o, 0, 3, results);
    await bench.until(() => bench.requests().length === 1);
    const flushed = o.flush();
    await o.clear(true);
    await flushed;
    expect(results).toEqual([0, 0, 0]);
    await tick(300);
    expect(bench.requests()).toHaveLength(1);
    expect(bench.rows()).toEqual([]);
    expect(store.batches()).toEqual({});
  });
});

describe('beacon()', () => {
  test('hands queued batches to the beacon in batch_size chunks and keeps the stored copy for the next page', async () => {
    const shared = new Map<string, string>();
    const beacons: number[] = [];
    const { o } = outbox({
      store: recordingStore(shared),
      // While offline nothing is sent by fetch; the beacon still goes, as navigator.sendBeacon does.
      options: {
        online: () => false,
        beacon: (endpoint, payloads) => {
          beacons.push(payloads.length);
          void post(transport, endpoint, payloads);
          return true;
        },
      },
    });
    add(o, 0, 120);
    o.beacon();
    expect(beacons).toEqual([50, 50, 20]);
    await bench.until(() => bench.rows().length === 120);
    await tick(10);
    expect(shared.size).toBe(3);
    // The next page sends the stored copies again: the collector keeps one row per $insert_id.
    const next = outbox({ store: recordingStore(shared) });
    await next.o.restore();
    await next.o.flush();
    expect(bench.rows().map((r) => r.insert_id)).toEqual(ids(0, 120));
    expect(bench.rows()).toHaveLength(120);
    await tick(10);
    expect(shared.size).toBe(0);
  });

  test('a refused beacon leaves the batch queued for the next send', async () => {
    const { o } = outbox({ options: { beacon: () => false } });
    add(o, 0, 3);
    o.beacon();
    await o.flush();
    expect(bench.rows().map((r) => r.i)).toEqual([0, 1, 2]);
  });
});
