import { now as clock } from '../intrinsics';

/**
 * The one retry policy, shared by the outbox and the privacy client. The decision runs in a fixed
 * order: the attempt limit; then the answer (anything but 408, 429, 5xx or no answer at all is
 * final); then the server's `Retry-After`, which wins over the backoff; then exponential backoff
 * from `base`, doubling up to `cap`, with full jitter where many clients share one server.
 */
export interface Backoff {
  /** First delay in ms. */
  base: number;
  /** Longest delay in ms. */
  cap: number;
  /**
   * Attempts after which to stop. A caller with a limit also stops on a `Retry-After` longer than
   * `cap` (it would not wait that long); one without waits `cap` and tries again.
   */
  limit?: number;
  /**
   * Draw each delay from [0, bound] (AWS's "full jitter"), so browsers that failed together do not
   * retry together. A single server-side client paced one request at a time does not need it.
   * @default true
   */
  jitter?: boolean;
}

/** What a failed attempt reports: the HTTP status (none for a network error or timeout) and `Retry-After` in ms. */
export interface Failure {
  status?: number;
  retryAfter?: number;
}

/** A failed request is retried, split (413: too large) or dropped (any other answer the server gave). */
export type Verdict = 'retry' | 'split' | 'drop';

export const verdict = (failure: unknown): Verdict => {
  const { status } = failure as Failure;
  return status === undefined || status >= 500 || status === 429 || status === 408 ? 'retry' : status === 413 ? 'split' : 'drop';
};

/** The outbox's policy: 2 s doubling up to 10 min, jittered, never giving up while there is data. */
export const DELIVERY: Backoff = { base: 2000, cap: 600000 };

/**
 * Delay in ms before the next attempt, or `undefined` to stop. `attempt` counts the retries so far
 * (0 before the first); `failure` is what the attempt threw (only `status` and `retryAfter` are read).
 */
export function retryDelay(failure: unknown, attempt: number, b: Backoff = DELIVERY): number | undefined {
  if ((b.limit !== undefined && attempt >= b.limit) || verdict(failure) !== 'retry') return undefined;
  const asked = (failure as Failure).retryAfter;
  if (asked !== undefined) return asked <= b.cap ? asked : b.limit === undefined ? b.cap : undefined;
  const bound = Math.min(b.cap, b.base * 2 ** attempt);
  return b.jitter === false ? bound : Math.random() * bound;
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; `undefined` if absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = clock()): number | undefined {
  const text = value && value.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return +text * 1000;
  const at = Date.parse(text);
  return isNaN(at) ? undefined : Math.max(0, at - now);
}
