import type { Endpoint } from '../transport';
import { retryDelay, verdict } from '../transport';
import { HeedError } from '../errors';
import { settle, type Batch } from './batch';
import type { Persistence } from './persist';

/** Sends one batch; rejects with a HeedError carrying the HTTP status (and `retryAfter` ms). */
export type Send = (endpoint: Endpoint, payloads: object[], signal: AbortSignal) => Promise<void>;

/** What the sending half of the outbox shares with the queue. */
export interface Sending {
  queue: Batch[];
  persist: Persistence;
  send: Send;
  online?: () => boolean;
  allowed?: () => boolean;
  auto?: () => boolean;
  warn(message: string): void;
  size: number;
  interval: number;
  timeout: number;
  /** Failed attempts in a row: the backoff's exponent. */
  attempt: number;
  /** Automatic sends wait until then: a backoff or the server's Retry-After. */
  paused: number;
  timer?: ReturnType<typeof setTimeout>;
  due: number;
  controllers: Set<AbortController>;
  /** Replace `b` in the queue by its first `at` items and the rest. */
  split(b: Batch, at: number): Batch[];
  /** `b` is done (sent, or dropped): out of the queue and the store. */
  forget(b: Batch): void;
}

/** Send every queued batch in the next `delay` ms (an earlier timer wins). */
export function schedule(s: Sending, delay: number): void {
  const at = Date.now() + delay;
  if (s.timer && s.due <= at) return;
  clearTimeout(s.timer);
  s.due = at;
  s.timer = setTimeout(() => {
    s.timer = undefined;
    // A backoff holds back every automatic send (the interval, a full batch), not only the failed
    // batch: otherwise the next interval re-sends it early, ignoring even Retry-After.
    const wait = s.paused - Date.now();
    if (wait > 0) return schedule(s, wait);
    if (s.auto && !s.auto()) return; // waits for start()
    sendAll(s).catch(() => undefined); // failures were rescheduled or reported
  }, delay);
  // An idle tracker must not keep Node alive; `flush()` is the way to wait.
  (s.timer as { unref?: () => void }).unref?.();
}

/** Every queued batch, one request at a time per endpoint (in order), the endpoints side by side. */
export const sendAll = (s: Sending): Promise<void> =>
  Promise.all(
    (['track', 'engage', 'groups'] as const).map(async (e) => {
      for (const b of s.queue.filter((x) => x.e === e)) await sendBatch(s, b);
    }),
  ).then(() => undefined);

/** Send one batch, or join its send in flight; a batch over `batch_size` goes as several, in order. */
export function sendBatch(s: Sending, b: Batch): Promise<void> {
  if (b.sending) return b.sending;
  if (s.queue.indexOf(b) < 0) return Promise.resolve();
  if (b.p.length > s.size) {
    const [head, tail] = s.split(b, s.size);
    return sendBatch(s, head).then(() => sendBatch(s, tail));
  }
  if (s.online && !s.online()) return Promise.reject(new HeedError('offline')); // resumed by `online`
  if (s.allowed && !s.allowed()) return Promise.reject(new HeedError('tracking is not allowed')); // resumed on a grant
  const p = attempt(s, b).finally(() => (b.sending = undefined));
  b.sending = p;
  return p;
}

/** One request for `b`, aborted after `timeout`; its outcome decides: done, split, retried later or dropped. */
async function attempt(s: Sending, b: Batch): Promise<void> {
  const c = new AbortController();
  s.controllers.add(c);
  // A hanging response is a network error: abort it and retry later.
  const t = setTimeout(() => c.abort(), s.timeout);
  (t as { unref?: () => void }).unref?.();
  const epoch = s.persist.epoch;
  try {
    await s.send(b.e, b.p, c.signal);
    if (epoch !== s.persist.epoch) return; // cleared by an opt-out meanwhile
    s.attempt = s.paused = 0;
    s.forget(b);
    settle(b.cbs, 1, s.warn);
    // A batch holds at most `size` items: a backlog left behind a retry needs its own timer.
    if (s.queue.length) schedule(s, s.interval);
  } catch (error) {
    if (epoch !== s.persist.epoch) return; // cleared by an opt-out: nothing is requeued
    if (!failed(s, b, error)) throw error;
  } finally {
    clearTimeout(t);
    s.controllers.delete(c);
  }
}

/** Act on a failed attempt; true when it is already handled (split: both halves go again at once). */
function failed(s: Sending, b: Batch, error: unknown): boolean {
  if (verdict(error) === 'split' && b.p.length > 1) {
    // Too large for the server: halve it and try again at once.
    s.split(b, Math.ceil(b.p.length / 2));
    schedule(s, 0);
    return true;
  }
  const delay = retryDelay(error, s.attempt);
  if (delay === undefined) {
    const why = (error as Error).message;
    s.warn(`dropped ${b.p.length} ${b.e} item(s): ${why}`);
    s.forget(b);
    settle(b.cbs, 0, s.warn, why);
  } else {
    s.attempt++;
    s.paused = Date.now() + delay;
    schedule(s, delay);
  }
  return false;
}
