import { createOutbox, sentMarks, type Lease, type Outbox, type OutboxOptions } from '../../src/outbox';
import { memoryStore } from '../../src/storage/memory';
import { recordingStore, tick } from '../helpers/collector';

/**
 * Exactly once on the wire across pages, tabs and copies of heed: a batch handed to a beacon is
 * not sent again by the next page, and a batch of a live instance is not adopted by another (Web
 * Locks). Scripted here (a fake lock manager, a send that records); in Chromium by the reliability suite.
 */
const ev = (i: number) => ({ event: 'e', properties: { i, $insert_id: 'ins-' + i } });

/** One page's outbox over a shared store: what it sent, by item. */
function page(shared: Map<string, string>, o: Partial<OutboxOptions> = {}) {
  const sent: number[] = [];
  let hang = false;
  const outbox = createOutbox({
    send: (_e, payloads) => {
      if (hang) return new Promise(() => undefined);
      sent.push(...payloads.map((p) => (p as ReturnType<typeof ev>).properties.i));
      return Promise.resolve();
    },
    store: recordingStore(shared, 'tok:').store,
    warn: () => undefined,
    ...o,
  });
  outbox.configure(50, 60_000, 10_000, 90_000);
  return { outbox, sent, hanging: () => (hang = true) };
}

/** A lock manager in memory: held tab locks, and one adoption at a time. */
function fakeLocks() {
  const held = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  const lease: Lease = {
    hold: async (tab) => void held.add(tab),
    alive: async () => new Set(held),
    alone: (fn) => (queue = queue.then(fn, fn)) as Promise<never>,
  };
  return { lease, held };
}

const add = (o: Outbox, from: number, to: number) => {
  for (let i = from; i < to; i++) o.add('track', ev(i));
};

describe('a beacon as the page goes away', () => {
  test('healthy: what the beacon took is marked sent; the next page does not send it again', async () => {
    const shared = new Map<string, string>();
    const marks = sentMarks(memoryStore('heed_sent_', new Map()), 'tok');
    const beacons: number[] = [];
    const first = page(shared, { sent: marks, beacon: (_e, p) => (beacons.push(p.length), true) });
    add(first.outbox, 0, 10);
    first.outbox.beacon();
    expect(beacons).toEqual([10]);
    const next = page(shared, { sent: marks });
    await next.outbox.restore();
    await next.outbox.flush();
    expect(next.sent).toEqual([]); // 0 copies: the beacon had it
    await tick(10);
    expect(shared.size).toBe(0);
  });

  test('a batch in flight in a keepalive fetch is not sent again either', async () => {
    const shared = new Map<string, string>();
    const marks = sentMarks(memoryStore('heed_sent_', new Map()), 'tok');
    const first = page(shared, { sent: marks, beacon: () => true, survives: () => true });
    first.hanging();
    add(first.outbox, 0, 5);
    first.outbox.flush().catch(() => undefined); // in flight, no answer before the page goes
    await tick(10);
    first.outbox.beacon();
    const next = page(shared, { sent: marks });
    await next.outbox.restore();
    await next.outbox.flush();
    expect(next.sent).toEqual([]);
  });

  test.each([
    ['while delivery fails nothing is taken for sent: the next page sends the kept copy', { beacon: (): boolean => true, online: (): boolean => false }],
    ['a refused beacon leaves the batch for the next page', { beacon: (): boolean => false }],
  ])('%s', async (_name, options) => {
    const shared = new Map<string, string>();
    const marks = sentMarks(memoryStore('heed_sent_', new Map()), 'tok');
    const first = page(shared, { sent: marks, ...options });
    add(first.outbox, 0, 3);
    first.outbox.beacon();
    await tick(10);
    const next = page(shared, { sent: marks });
    await next.outbox.restore();
    await next.outbox.flush();
    expect(next.sent).toEqual([0, 1, 2]);
  });

  test('an opt-out (clear) removes the marks too', async () => {
    const map = new Map<string, string>();
    const marks = sentMarks(memoryStore('heed_sent_', map), 'tok');
    const first = page(new Map(), { sent: marks, beacon: () => true });
    add(first.outbox, 0, 2);
    first.outbox.beacon();
    expect(map.size).toBe(1);
    await first.outbox.clear(true);
    expect(map.size).toBe(0);
  });
});

describe('a lease (Web Locks) between live instances', () => {
  test("a live instance's batches are not adopted by another (two copies of heed on one page)", async () => {
    const shared = new Map<string, string>();
    const { lease } = fakeLocks();
    const a = page(shared, { lease, online: () => false });
    add(a.outbox, 0, 10);
    await tick(10);
    const b = page(shared, { lease });
    await b.outbox.restore();
    await b.outbox.flush();
    expect(b.sent).toEqual([]);
  });

  test("a dead tab's orphan is adopted by one of two live tabs restoring at once, and sent once", async () => {
    const shared = new Map<string, string>();
    const { lease, held } = fakeLocks();
    const dead = page(shared, { lease, online: () => false });
    add(dead.outbox, 0, 10);
    await tick(10);
    held.clear(); // the tab is gone: its lock is released
    const a = page(shared, { lease });
    const b = page(shared, { lease });
    await Promise.all([a.outbox.restore(), b.outbox.restore()]);
    await Promise.all([a.outbox.flush(), b.outbox.flush()]);
    expect([...a.sent, ...b.sent].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
