import type { Callback } from '../types';
import type { AsyncStore } from '../storage/types';
import { MAX_BATCH, retryDelay, verdict, type Endpoint } from '../transport';
import { HeedError } from '../errors';

/** Sends one batch; rejects with a HeedError carrying the HTTP status (and `retryAfter` ms). */
export type Send = (endpoint: Endpoint, payloads: object[], signal: AbortSignal) => Promise<void>;

/** A persisted batch: its endpoint and payloads. One key per batch, never one per event. */
export interface StoredBatch {
  e: Endpoint;
  p: object[];
}

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
  warn(message: string): void;
}

export interface Outbox {
  add(endpoint: Endpoint, payload: object, callback?: Callback, now?: boolean): void;
  /** Send everything queued (and wait for what is in flight); rejects if a batch fails. */
  flush(): Promise<void>;
  /** Hand what is queued to the browser before the page goes away. */
  beacon(): void;
  /** Adopt batches persisted by earlier pages (or closed tabs) and send them. */
  restore(): Promise<void>;
  /** Drop everything (memory, persisted, in flight) and fence off late writes and results. */
  clear(persisted: boolean): Promise<void>;
  configure(size: number, interval: number, cap: number, timeout: number): void;
  /** Events dropped because the outbox was full. */
  readonly dropped: number;
}

interface Batch {
  id: string;
  e: Endpoint;
  p: object[];
  cbs: Array<Callback | undefined>;
  /** The send in flight. */
  sending?: Promise<void>;
}

const ENDPOINTS: Endpoint[] = ['track', 'engage', 'groups'];

/**
 * Batches per endpoint, persisted asynchronously and removed only after a 2xx. Every event keeps
 * its `$insert_id`, so a batch sent twice (a beacon, then the next page re-sending the persisted
 * copy; or two tabs adopting the same orphan) is de-duplicated by the server: exactly-once as the
 * user sees it.
 */
export function createOutbox(o: OutboxOptions): Outbox {
  const queue: Batch[] = [];
  const tab = Math.random().toString(36).slice(2, 10);
  let seq = 0;
  let size = 50;
  let interval = 5000;
  let cap = 10000;
  let timeout = 90000;
  let count = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = 0;
  let attempt = 0;
  let paused = 0; // automatic sends wait until then: a backoff or the server's Retry-After
  let epoch = 0;
  let dirty = new Set<Batch>();
  let writing: Promise<unknown> = Promise.resolve();
  const controllers = new Set<AbortController>();
  const state = { dropped: 0 };

  /** Call back the app. Its callback throwing is its own bug: it must not stop the others or the outbox. */
  const callBack = (cb: Callback | undefined, result: 0 | 1) => {
    try {
      if (cb) cb(result);
    } catch (e) {
      o.warn('a callback threw: ' + String(e));
    }
  };

  /** Persistence is one chain, so a clear is ordered after every write queued before it. */
  const chain = (op: () => Promise<unknown>) => {
    const mine = epoch;
    writing = writing.then(() => (mine === epoch ? op() : undefined)).catch(() => undefined);
    return writing;
  };

  const persist = () => {
    if (!o.store || !dirty.size) return;
    // Taken now, not when the write runs: beacon() takes batches out of the queue right after
    // persisting them, and their copy must still land (a beacon has no reply). A batch sent or split
    // meanwhile is safe too: its removal is chained after this write.
    const batches = Array.from(dirty);
    dirty = new Set();
    chain(() => Promise.all(batches.map((b) => o.store!.set(b.id, { e: b.e, p: b.p }))));
  };

  const forget = (b: Batch) => {
    const i = queue.indexOf(b);
    if (i >= 0) queue.splice(i, 1);
    count -= b.p.length;
    dirty.delete(b);
    if (o.store) chain(() => o.store!.remove(b.id));
  };

  const schedule = (delay: number) => {
    const at = Date.now() + delay;
    if (timer && due <= at) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(() => {
      timer = undefined;
      // A backoff holds back every automatic send (the interval, a full batch), not only the
      // failed batch: otherwise the next interval re-sends it early, ignoring even Retry-After.
      const wait = paused - Date.now();
      if (wait > 0) return schedule(wait);
      sendAll().catch(() => undefined); // failures were rescheduled or reported
    }, delay);
    // An idle tracker must not keep Node alive; `flush()` is the way to wait.
    (timer as { unref?: () => void }).unref?.();
  };

  /** Replace `b` in the queue by its first `at` items and the rest; both persisted anew. */
  const split = (b: Batch, at: number): Batch[] => {
    const parts = [batch(b.e, b.p.slice(0, at), b.cbs.slice(0, at)), batch(b.e, b.p.slice(at), b.cbs.slice(at))];
    queue.splice(queue.indexOf(b), 1, ...parts);
    if (o.store) chain(() => o.store!.remove(b.id));
    dirty.add(parts[0]).add(parts[1]);
    persist();
    return parts;
  };

  /** Send one batch, or join its send in flight; a batch over `batch_size` goes as several, in order. */
  const sendBatch = (b: Batch): Promise<void> => {
    if (b.sending) return b.sending;
    if (queue.indexOf(b) < 0) return Promise.resolve();
    if (b.p.length > size) {
      const parts = split(b, size);
      return sendBatch(parts[0]).then(() => sendBatch(parts[1]));
    }
    if (o.online && !o.online()) return Promise.reject(new HeedError('offline')); // resumed by `online`
    if (o.allowed && !o.allowed()) return Promise.reject(new HeedError('tracking is not allowed')); // resumed by restore()
    const p = attemptSend(b).finally(() => (b.sending = undefined));
    b.sending = p;
    return p;
  };

  const attemptSend = async (b: Batch): Promise<void> => {
    const c = new AbortController();
    controllers.add(c);
    // A hanging response is a network error: abort it and retry later.
    const t = setTimeout(() => c.abort(), timeout);
    (t as { unref?: () => void }).unref?.();
    const mine = epoch;
    const done = (r: 0 | 1) => b.cbs.forEach((cb) => callBack(cb, r));
    try {
      await o.send(b.e, b.p, c.signal);
      if (mine !== epoch) return;
      attempt = 0;
      paused = 0;
      forget(b);
      done(1);
      // A batch holds at most `size` items: a backlog left behind a retry needs its own timer.
      if (queue.length) schedule(interval);
    } catch (error) {
      if (mine !== epoch) return; // cleared by an opt-out: nothing is requeued
      if (verdict(error) === 'split' && b.p.length > 1) {
        // Too large for the server: halve it and try again at once.
        split(b, Math.ceil(b.p.length / 2));
        schedule(0);
        return;
      }
      const delay = retryDelay(error, attempt);
      if (delay === undefined) {
        o.warn(`dropped ${b.p.length} ${b.e} item(s): ${(error as Error).message}`);
        forget(b);
        done(0);
      } else {
        attempt++;
        paused = Date.now() + delay;
        schedule(delay);
      }
      throw error;
    } finally {
      clearTimeout(t);
      controllers.delete(c);
    }
  };

  const batch = (e: Endpoint, p: object[], cbs: Array<Callback | undefined>): Batch => ({
    id: `${tab}-${seq++}`,
    e,
    p,
    cbs,
  });

  /** Every queued batch, one at a time per endpoint (in order), the endpoints side by side. */
  const sendAll = () =>
    Promise.all(
      ENDPOINTS.map(async (e) => {
        for (const b of queue.filter((x) => x.e === e)) await sendBatch(b);
      }),
    ).then(() => undefined);

  const open = (e: Endpoint): Batch => {
    for (let i = queue.length - 1; i >= 0; i--) {
      const b = queue[i];
      if (b.e === e) {
        if (!b.sending && b.p.length < size) return b;
        break;
      }
    }
    const b = batch(e, [], []);
    queue.push(b);
    return b;
  };

  return {
    get dropped() {
      return state.dropped;
    },
    add(endpoint, payload, callback, now) {
      const b = open(endpoint);
      b.p.push(payload);
      b.cbs.push(callback);
      count++;
      // The cap bounds what piles up while delivery fails (server errors, offline); a burst of
      // track() calls on a healthy connection drains on the next tasks and loses nothing.
      while (count > cap && (attempt > 0 || (o.online && !o.online()))) {
        const oldest = queue.find((x) => !x.sending && x.p.length);
        if (!oldest) break;
        oldest.p.shift();
        callBack(oldest.cbs.shift(), 0);
        count--;
        state.dropped++;
        // Drop a batch the cap emptied: sending `[]` gets a 400, which would fail flush().
        if (oldest.p.length) dirty.add(oldest);
        else forget(oldest);
        o.warn(`outbox full (${cap} events): dropped the oldest event`);
      }
      if (!dirty.size) setTimeout(persist, 0);
      dirty.add(b);
      if (now) sendBatch(b).catch(() => undefined);
      // A full batch goes on the next task, through sendAll: one request at a time per endpoint,
      // so a loop of track() calls does not start a fetch per batch on the main thread.
      else schedule(b.p.length >= size ? 0 : interval);
    },
    async flush() {
      persist();
      let failure: unknown;
      const settle = (p: Promise<void>) => p.catch((e: unknown) => void (failure = failure || e));
      while (!failure && queue.length) await settle(sendAll());
      if (failure) throw failure instanceof HeedError ? failure : new HeedError('flush failed', undefined, { cause: failure });
    },
    beacon() {
      persist();
      if (!o.beacon || (o.allowed && !o.allowed())) return;
      for (const b of queue.slice()) {
        if (b.sending || !b.p.length) continue;
        // The persisted copy stays until a later page confirms it: a beacon has no reply.
        for (let i = 0; i < b.p.length; i += size) if (!o.beacon(b.e, b.p.slice(i, i + size))) return;
        const j = queue.indexOf(b);
        if (j >= 0) queue.splice(j, 1);
        count -= b.p.length;
      }
    },
    async restore() {
      const store = o.store;
      if (!store) return;
      const mine = epoch;
      const ids = await store.keys();
      const known = new Set(queue.map((b) => b.id));
      let adopted = 0;
      for (const id of ids) {
        if (known.has(id) || id.indexOf(tab + '-') === 0) continue;
        const stored = await store.get(id);
        if (mine !== epoch) return;
        if (!stored || ENDPOINTS.indexOf(stored.e) < 0 || !Array.isArray(stored.p) || !stored.p.length) {
          await store.remove(id);
          continue;
        }
        queue.unshift({ id, e: stored.e, p: stored.p, cbs: [] });
        count += stored.p.length;
        adopted++;
      }
      if (adopted) schedule(0);
    },
    clear(persisted) {
      epoch++;
      clearTimeout(timer);
      timer = undefined;
      controllers.forEach((c) => c.abort());
      controllers.clear();
      for (const b of queue.splice(0)) b.cbs.forEach((cb) => callBack(cb, 0));
      count = 0;
      attempt = 0;
      paused = 0;
      dirty = new Set();
      const store = o.store;
      if (!persisted || !store) return Promise.resolve();
      // Runs after every write queued before the clear; writes queued after it are fenced by epoch.
      writing = writing
        .then(() => store.keys())
        .then((ids) => Promise.all(ids.map((id) => store.remove(id))))
        .catch(() => undefined);
      return writing.then(() => undefined);
    },
    configure(s, i, c, t) {
      timeout = Math.max(1, t || 90000);
      size = Math.max(1, Math.min(MAX_BATCH, s | 0 || 50));
      interval = Math.max(0, i);
      cap = Math.max(1, c | 0 || 10000);
    },
  };
}
