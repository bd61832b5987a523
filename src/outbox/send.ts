import type { Endpoint } from '../transport';
import { retryDelay, verdict } from '../transport';
import { HeedError } from '../errors';

/** The longest wait before heed looks again whether a failing server is back (a probe of one item). */
const PROBE = 30000;
import { P, now } from '../intrinsics';
import { ENDPOINTS, settle, type Batch } from './batch';
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
  /** After a long outage: the next attempt sends one item only, to see whether the server is back. */
  probe: boolean;
  /** Events the cap dropped in this episode of failing delivery (reported once it ends). */
  shed: number;
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

/** The longest delay a timer takes (2^31 - 1 ms); a longer one would fire at once. */
export const MAX_TIMER = 2147483647;

/** An idle tracker must not keep Node alive; `flush()` is the way to wait. */
const unref = <T>(t: T): T => ((t as { unref?: () => void }).unref?.(), t);

/** Send every queued batch in the next `delay` ms (an earlier timer wins). */
export function schedule(s: Sending, delay: number): void {
  delay = Math.min(delay, MAX_TIMER);
  const at = now() + delay;
  if (s.timer && s.due <= at) return;
  clearTimeout(s.timer);
  s.due = at;
  s.timer = setTimeout(() => {
    s.timer = undefined;
    // A backoff holds back every automatic send (the interval, a full batch), not only the failed
    // batch: otherwise the next interval re-sends it early, ignoring even Retry-After.
    const wait = s.paused - now();
    if (wait > 0) return schedule(s, wait);
    if (s.auto && !s.auto()) return; // waits for start()
    sendAll(s).catch(() => undefined); // failures were rescheduled or reported
  }, delay);
  unref(s.timer);
}

/** Every queued batch, one request at a time per endpoint (in order), the endpoints side by side. */
export const sendAll = (s: Sending): Promise<void> =>
  P.all(
    ENDPOINTS.map(async (e) => {
      for (const b of s.queue.filter((x) => x.e === e)) await sendBatch(s, b);
    }),
  ).then(() => undefined);

/** Send one batch, or join its send in flight; a batch over `batch_size` goes as several, in order. */
export function sendBatch(s: Sending, b: Batch): Promise<void> {
  if (b.sending) return b.sending;
  if (s.queue.indexOf(b) < 0) return P.resolve();
  if (b.p.length > s.size) {
    const [head, tail] = s.split(b, s.size);
    return sendBatch(s, head).then(() => sendBatch(s, tail));
  }
  if (s.online && !s.online()) return P.reject(new HeedError('offline')); // resumed by `online`
  if (s.allowed && !s.allowed()) return P.reject(new HeedError('tracking is not allowed')); // resumed on a grant
  if (s.probe && b.p.length > 1) return sendBatch(s, s.split(b, 1)[0]);
  const p = attempt(s, b).finally(() => (b.sending = undefined));
  b.sending = p;
  return p;
}

/** One request for `b`, aborted after `timeout`; its outcome decides: done, split, retried later or dropped. */
async function attempt(s: Sending, b: Batch): Promise<void> {
  const c = new AbortController();
  s.controllers.add(c);
  // A hanging response is a network error: abort it and retry later.
  const t = unref(setTimeout(() => c.abort(), s.timeout));
  const epoch = s.persist.epoch;
  try {
    await s.send(b.e, b.p, c.signal);
    if (epoch !== s.persist.epoch) return; // cleared by an opt-out meanwhile
    const recovered = s.attempt > 0;
    s.attempt = s.paused = 0;
    s.probe = false;
    if (s.shed) s.warn(`outbox full: ${s.shed} event(s) were dropped while delivery failed (max_queued_events)`), (s.shed = 0);
    s.forget(b);
    settle(b.cbs, 1, s.warn);
    // A batch holds at most `size` items: a backlog left behind a retry needs its own timer (at
    // once after an outage, so a server that is back gets the backlog within seconds).
    if (s.queue.length) schedule(s, recovered ? 0 : s.interval);
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
  let delay = retryDelay(error, s.attempt);
  if (delay !== undefined && delay > PROBE && (error as HeedError).retryAfter === undefined) {
    // The backoff grows to 10 min, but a server that is back should hear from us within 30 s:
    // from then on each attempt is a probe of one item, so a server still down gets one small
    // request per client every 15 to 30 s.
    delay = PROBE / 2 + (Math.random() * PROBE) / 2;
    s.probe = true;
  }
  if (delay === undefined) {
    const why = (error as Error).message;
    s.warn(`dropped ${b.p.length} ${b.e} item(s): ${why}`);
    s.forget(b);
    settle(b.cbs, 0, s.warn, why);
  } else {
    s.attempt++;
    s.paused = now() + delay;
    schedule(s, delay);
  }
  return false;
}
