import type { Callback } from '../types';
import { MAX_BATCH, shouldRetry, type Endpoint } from '../transport';
import { HeedError } from '../errors';

export type Send = (endpoint: Endpoint, payloads: object[], signal: AbortSignal) => Promise<void>;

export interface Outbox {
  add(endpoint: Endpoint, payload: object, callback?: Callback, now?: boolean): void;
  /** Send everything queued (and wait for what is in flight); rejects if a batch fails. */
  flush(): Promise<void>;
  /** Drop everything queued, abort what is in flight and fence off its late results. */
  clear(): void;
  configure(size: number, interval: number): void;
}

interface Entry {
  p: object;
  cb?: Callback;
}

const ENDPOINTS: Endpoint[] = ['track', 'engage', 'groups'];

/** In-memory batches per endpoint, sent on size or interval. */
export function createOutbox(send: Send, warn: (message: string) => void): Outbox {
  const queues: Record<Endpoint, Entry[]> = { track: [], engage: [], groups: [] };
  const inflight = new Set<Promise<void>>();
  let size = 50;
  let interval = 5000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller = new AbortController();

  /** Call back the app. Its callback throwing is its own bug: it must not stop the others or the outbox. */
  const callBack = (entry: Entry, result: 0 | 1) => {
    try {
      if (entry.cb) entry.cb(result);
    } catch (e) {
      warn('a callback threw: ' + String(e));
    }
  };

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      sendAll().catch(() => undefined); // failures were requeued or reported
    }, interval);
    // In Node an idle tracker must not keep the process alive; `flush()` is the way to wait.
    (timer as { unref?: () => void }).unref?.();
  };

  const sendBatch = (endpoint: Endpoint): Promise<void> => {
    const batch = queues[endpoint].splice(0, Math.min(size, MAX_BATCH));
    if (!batch.length) return Promise.resolve();
    const signal = controller.signal;
    const done = (result: 0 | 1) => batch.forEach((e) => callBack(e, result));
    const p = send(
      endpoint,
      batch.map((e) => e.p),
      signal,
    ).then(
      () => {
        done(1);
        // A batch takes at most `size` items: what is left (a backlog after a retry, a smaller
        // batch_size) needs its own timer, or it waits for the next track() or flush().
        if (queues[endpoint].length) schedule();
      },
      (error: unknown) => {
        if (signal.aborted) return done(0); // cleared by an opt-out: never requeue
        if (shouldRetry(error)) {
          queues[endpoint].unshift(...batch);
          schedule();
        } else {
          warn(`dropped ${batch.length} ${endpoint} item(s): ${(error as Error).message}`);
          done(0);
        }
        throw error;
      },
    );
    inflight.add(p);
    p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    );
    return p;
  };

  const sendAll = () => Promise.all(ENDPOINTS.map(sendBatch)).then(() => undefined);

  return {
    add(endpoint, payload, callback, now) {
      const queue = queues[endpoint];
      queue.push({ p: payload, cb: callback });
      if (now || queue.length >= size) sendBatch(endpoint).catch(() => undefined);
      else schedule();
    },
    async flush() {
      let failure: unknown;
      const settle = (p: Promise<void>) => p.catch((e: unknown) => void (failure = failure || e));
      await Promise.all(Array.from(inflight, settle));
      while (!failure && ENDPOINTS.some((e) => queues[e].length)) await settle(sendAll());
      if (failure) throw failure instanceof HeedError ? failure : new HeedError('flush failed', undefined, { cause: failure });
    },
    clear() {
      clearTimeout(timer);
      timer = undefined;
      controller.abort();
      controller = new AbortController();
      for (const e of ENDPOINTS) queues[e].splice(0).forEach((x) => callBack(x, 0));
    },
    configure(s, i) {
      size = Math.max(1, Math.min(MAX_BATCH, s | 0 || 50));
      interval = Math.max(0, i);
    },
  };
}
