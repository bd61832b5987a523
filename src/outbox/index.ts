import type { AsyncStore } from '../storage/types';
import { MAX_BATCH, type Endpoint } from '../transport';
import { HeedError } from '../errors';
import { settle, type Batch, type Done, type StoredBatch } from './batch';
import { createPersistence } from './persist';
import { MAX_TIMER, schedule, sendAll, sendBatch, type Send, type Sending } from './send';
import { show } from '../intrinsics';
import { adopt, beaconAll, type Handoff, type Lease, type SentMarks } from './handoff';

export { sentMarks, type Lease, type SentMarks } from './handoff';

export type { Send } from './send';
export type { Done, StoredBatch } from './batch';

export interface OutboxOptions {
  send: Send;
  /** Hand batches to the browser on page hide (`sendBeacon`); true when it took them. */
  beacon?: (endpoint: Endpoint, payloads: object[]) => boolean;
  /** Where batches survive reloads and crashes (IndexedDB, then localStorage, then memory). */
  store?: AsyncStore<StoredBatch>;
  /** Whether the network is up (`navigator.onLine`); offline pauses sending. */
  online?: () => boolean;
  /** The consent gate: while it is closed (a CMP's hold, say) nothing queued leaves either. */
  allowed?: () => boolean;
  /** False while batches wait for `start()` (`batch_autostart: false`); `flush()` still sends. */
  auto?: () => boolean;
  /** Where batches handed to a beacon are marked, so that no later page sends them again. */
  sent?: SentMarks;
  /** Which instances are alive (Web Locks): their batches are not adopted, an orphan by one only. */
  lease?: Lease;
  /** Whether a request for these payloads outlives the page (a keepalive fetch). */
  survives?(endpoint: Endpoint, payloads: object[]): boolean;
  warn(message: string): void;
}

export interface Outbox {
  add(endpoint: Endpoint, payload: object, callback?: Done, now?: boolean): void;
  /** Send everything queued (and wait for what is in flight); rejects if a batch fails. */
  flush(): Promise<void>;
  /** Hand what is queued to the browser before the page goes away. */
  beacon(): void;
  /** Adopt batches persisted by earlier pages (or closed tabs) and send them. */
  restore(): Promise<void>;
  /** Send what waits for an automatic send (after a grant, or `start_batch_senders()`). */
  start(): void;
  /** Send what `allowed()` held back, unless a send is already due (then it goes as scheduled). */
  resume(): void;
  /** Take the queued items `match` names out (memory and store; one in flight cannot be); how many. */
  drop(match: (endpoint: Endpoint, item: object) => boolean, why: string): number;
  /** Drop everything (memory, persisted, in flight) and fence off late writes and results. */
  clear(persisted: boolean): Promise<void>;
  configure(size: number, interval: number, cap: number, timeout: number): void;
  /** Events dropped because the outbox was full. */
  readonly dropped: number;
}

interface State extends Sending, Handoff {
  store?: AsyncStore<StoredBatch>;
  seq: number;
  count: number;
  cap: number;
  dropped: number;
}

/**
 * Batches per endpoint, persisted asynchronously and removed only after a 2xx. Every event keeps
 * its `$insert_id`, so a batch sent twice (a beacon, then the next page re-sending the persisted
 * copy; or two tabs adopting the same orphan) is de-duplicated by the server: exactly-once as the
 * user sees it.
 */
export function createOutbox(o: OutboxOptions): Outbox {
  const s = state(o);
  return {
    get dropped() {
      return s.dropped;
    },
    add(endpoint, payload, callback, now) {
      const b = open(s, endpoint);
      b.p.push(payload);
      b.cbs.push(callback);
      s.count++;
      evict(s);
      s.persist.mark(b);
      if (now) sendBatch(s, b).catch(() => undefined);
      // A full batch goes on the next task, through sendAll: one request at a time per endpoint,
      // so a loop of track() calls does not start a fetch per batch on the main thread.
      else schedule(s, b.p.length >= s.size ? 0 : s.interval);
    },
    async flush() {
      s.persist.flush();
      let failure: unknown;
      while (!failure && s.queue.length) await sendAll(s).catch((e: unknown) => void (failure = e));
      if (failure) throw failure instanceof HeedError ? failure : new HeedError('flush failed', undefined, { cause: failure });
    },
    beacon: () => void (o.beacon && (!s.allowed || s.allowed()) && beaconAll(s, o.beacon)),
    // Adopt the batches earlier pages or closed tabs left (see handoff.ts) and send them.
    async restore() {
      const taken = await adopt(s, () => s.persist.epoch);
      for (const b of taken) s.queue.unshift(b), (s.count += b.p.length);
      if (taken.length) schedule(s, 0);
    },
    start: () => void (s.queue.length && schedule(s, 0)),
    resume: () => void (s.queue.length && !s.timer && schedule(s, 0)),
    drop(match, why) {
      let n = 0;
      for (const b of s.queue.slice()) {
        if (b.sending) continue;
        const keep = b.p.map((item) => !match(b.e, item));
        const gone = keep.filter((k) => !k).length;
        if (!gone) continue;
        settle(b.cbs.filter((_cb, i) => !keep[i]), 0, s.warn, why);
        b.p = b.p.filter((_item, i) => keep[i]);
        b.cbs = b.cbs.filter((_cb, i) => keep[i]);
        s.count -= gone;
        n += gone;
        if (b.p.length) s.persist.mark(b);
        else s.forget(b); // emptied: b.p is [] by now, so the count is right
      }
      return n;
    },
    clear(persisted) {
      clearTimeout(s.timer);
      s.timer = undefined;
      s.controllers.forEach((c) => c.abort());
      s.controllers.clear();
      for (const b of s.queue.splice(0)) settle(b.cbs, 0, s.warn, 'tracking is not allowed');
      s.count = s.attempt = s.paused = s.shed = 0;
      s.probe = false;
      if (persisted && s.sent) s.sent.clear();
      return s.persist.clear(persisted);
    },
    configure(size, interval, cap, timeout) {
      const count = (v: number, name: string, dflt: number, max: number) => (v >= 1 ? Math.min(max, Math.floor(v)) : bad(name, v, dflt));
      // A timer takes at most 2^31 - 1 ms (24.8 days); past it, or for NaN, it would fire at once.
      const ms = (v: number, name: string, dflt: number, min: number) => (v >= min ? Math.min(MAX_TIMER, v) : bad(name, v, dflt));
      const bad = (name: string, v: unknown, dflt: number) => (s.warn(`${name}: ${show(v)} is not usable; ${dflt} is used`), dflt);
      s.timeout = ms(timeout, 'batch_request_timeout_ms', 90000, 1);
      s.size = count(size, 'batch_size', 50, MAX_BATCH);
      s.interval = ms(interval, 'batch_flush_interval_ms', 5000, 0);
      s.cap = count(cap, 'max_queued_events', 10000, Infinity);
    },
  };
}

function state(o: OutboxOptions): State {
  const tab = Math.random().toString(36).slice(2, 10);
  const s: State = {
    ...o,
    queue: [],
    // With a lease, nothing is written before this instance's lock is held: another tab must not take its batches for orphans.
    persist: createPersistence(o.store, o.lease && o.store ? o.lease.hold(tab) : undefined),
    tab,
    failing: () => s.attempt > 0 || (!!s.online && !s.online()),
    handed(b) {
      const i = s.queue.indexOf(b);
      if (i >= 0) s.queue.splice(i, 1);
      s.count -= b.p.length;
    },
    key: () => `${tab}-${s.seq++}`,
    seq: 0,
    count: 0,
    cap: 10000,
    dropped: 0,
    size: 50,
    interval: 5000,
    timeout: 90000,
    attempt: 0,
    probe: false,
    shed: 0,
    paused: 0,
    due: 0,
    controllers: new Set(),
    split(b, at) {
      const part = (from: number, to?: number): Batch => ({ id: s.key(), e: b.e, p: b.p.slice(from, to), cbs: b.cbs.slice(from, to) });
      const parts = [part(0, at), part(at)];
      s.queue.splice(s.queue.indexOf(b), 1, ...parts);
      s.persist.remove(b);
      parts.forEach(s.persist.mark);
      s.persist.flush();
      return parts;
    },
    forget(b) {
      s.handed(b);
      s.persist.remove(b);
    },
  };
  return s;
}

/** The endpoint's last batch if it can take one more item, else a new one. */
function open(s: State, e: Endpoint): Batch {
  for (let i = s.queue.length - 1; i >= 0; i--) {
    const b = s.queue[i];
    if (b.e === e) {
      if (!b.sending && b.p.length < s.size) return b;
      break;
    }
  }
  const b: Batch = { id: s.key(), e, p: [], cbs: [] };
  s.queue.push(b);
  return b;
}

/**
 * The cap bounds what piles up while delivery fails (server errors, offline): the oldest events
 * go first. A burst of track() calls on a healthy connection drains on the next tasks and loses nothing.
 */
function evict(s: State): void {
  while (s.count > s.cap && s.failing()) {
    const oldest = s.queue.find((x) => !x.sending && x.p.length);
    if (!oldest) break;
    oldest.p.shift();
    settle([oldest.cbs.shift()], 0, s.warn, 'outbox full');
    s.count--;
    s.dropped++;
    // Told once per episode (a warning per event would cost more than the track() call), with the count when it ends.
    if (!s.shed++) s.warn(`outbox full (${s.cap} events): dropping the oldest while delivery fails`);
    // Drop a batch the cap emptied: sending `[]` gets a 400, which would fail flush().
    if (oldest.p.length) s.persist.mark(oldest);
    else s.forget(oldest);
  }
}
