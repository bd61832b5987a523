import type { AsyncStore } from '../storage/types';
import type { Endpoint } from '../transport';
import { isStoredBatch, type Batch, type StoredBatch } from './batch';
import type { Persistence } from './persist';
import { parse, stringify } from '../intrinsics';

/**
 * Batches handed to a request that outlives the page (a beacon, a keepalive fetch in flight): the
 * next page must not send them again. Written synchronously (localStorage), because the page is
 * going away and an IndexedDB removal started now may never complete.
 */
export interface SentMarks {
  add(ids: string[]): void;
  has(id: string): boolean;
  drop(id: string): void;
  clear(): void;
}

/**
 * Which outbox instances (tabs, copies of heed on one page) are alive, and one adoption at a time
 * (Web Locks): a batch of a live instance is never adopted, an orphan by one instance only.
 */
export interface Lease {
  /** Hold `tab`'s lock for as long as the page lives; resolves once it is held. */
  hold(tab: string): Promise<void>;
  /** The tabs whose locks are held now. */
  alive(): Promise<Set<string>>;
  /** Run `fn` while no other instance of this token adopts. */
  alone<T>(fn: () => Promise<T>): Promise<T>;
}

/** What the handoff needs of the outbox. */
export interface Handoff {
  queue: Batch[];
  persist: Persistence;
  store?: AsyncStore<StoredBatch>;
  tab: string;
  size: number;
  /** Failing delivery (a backoff, offline): then nothing is taken for sent without a reply. */
  failing(): boolean;
  sent?: SentMarks;
  lease?: Lease;
  /** Whether the request in flight for these payloads outlives the page (keepalive fits). */
  survives?(endpoint: Endpoint, payloads: object[]): boolean;
  /** `b` left the queue for a request that will not reply. */
  handed(b: Batch): void;
  /** A new key of this instance, for a batch it adopts. */
  key(): string;
}

/**
 * As the page goes away: every queued batch to the beacon. While delivery is healthy, what the
 * beacon took and what is in flight in a keepalive fetch is marked sent, so the next page does not
 * send it again (0 copies on the wire); while it fails, the persisted copies stay for a later page.
 */
export function beaconAll(h: Handoff, send: (endpoint: Endpoint, payloads: object[]) => boolean): void {
  h.persist.flush();
  const gone: Batch[] = [];
  for (const b of h.queue.slice()) {
    if (!b.p.length) continue;
    if (b.sending) {
      if (h.survives && h.survives(b.e, b.p)) gone.push(b);
      continue;
    }
    let taken = true;
    for (let i = 0; i < b.p.length && taken; i += h.size) taken = send(b.e, b.p.slice(i, i + h.size));
    if (!taken) break; // the browser's beacon queue is full: the rest stays persisted
    h.handed(b);
    gone.push(b);
  }
  if (!h.sent || !gone.length || h.failing()) return;
  h.sent.add(gone.map((b) => b.id));
  gone.forEach(h.persist.remove); // best effort: the marks are what the next page trusts
}

/**
 * Take the batches earlier pages or closed tabs left in the store: not those a live instance
 * holds, nor those handed to a beacon; a corrupt one is removed. With a lease, adopted batches are
 * re-keyed as this instance's inside the adoption lock, so no other tab takes them too.
 */
export async function adopt(h: Handoff, epoch: () => number): Promise<Batch[]> {
  const store = h.store;
  if (!store) return [];
  const run = async (): Promise<Batch[]> => {
    const mine = epoch();
    const alive = h.lease ? await h.lease.alive() : new Set<string>();
    const known = new Set(h.queue.map((b) => b.id));
    const taken: Batch[] = [];
    for (const id of await store.keys()) {
      const tab = id.slice(0, id.lastIndexOf('-'));
      if (known.has(id) || tab === h.tab || alive.has(tab)) continue;
      const stored = h.sent && h.sent.has(id) ? undefined : await store.get(id);
      if (mine !== epoch()) return [];
      if (!isStoredBatch(stored)) {
        await store.remove(id);
        if (h.sent) h.sent.drop(id);
        continue;
      }
      const b: Batch = { id: h.lease ? h.key() : id, e: stored.e, p: stored.p, cbs: [] };
      if (h.lease) await store.set(b.id, stored), await store.remove(id);
      taken.push(b);
    }
    return taken;
  };
  // A lock manager that fails (an opaque origin) is no lease: adopt as without one.
  return h.lease ? h.lease.alone(run).catch(run) : run();
}

/** {@link SentMarks} as a short JSON list under `key` of a synchronous store (the newest 200 ids). */
export function sentMarks(store: { get(k: string): string | undefined; set(k: string, v: string): void; remove(k: string): void }, key: string): SentMarks {
  const read = (): string[] => {
    const v = parse(store.get(key) || '[]');
    return Array.isArray(v) ? v.filter((id): id is string => typeof id === 'string') : [];
  };
  const write = (ids: string[]) => (ids.length ? store.set(key, stringify(ids.slice(-200))) : store.remove(key));
  return {
    add: (ids) => write(read().concat(ids)),
    has: (id) => read().indexOf(id) >= 0,
    drop: (id) => {
      const ids = read();
      if (ids.indexOf(id) >= 0) write(ids.filter((x) => x !== id));
    },
    clear: () => store.remove(key),
  };
}
