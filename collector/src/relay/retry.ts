/**
 * The relay's one retry decision, the shape of the SDK's `retryDelay` (src/transport), written
 * again here because the collector package does not import the SDK. In a fixed order:
 * 1. another 4xx (not 408, not 429) is never retried: `undefined`;
 * 2. a server's `Retry-After` wins, up to {@link RETRY_AFTER_CAP_MS};
 * 3. everything else (5xx, 408, 429 without the header, timeouts, resets, refused connections)
 *    waits a full-jitter exponential backoff: random in [0, min(maxMs, baseMs · 2^attempt)].
 *
 * The cap is 30 s by default, not the SDK's 10 minutes: a relay serves many visitors, and after an
 * upstream outage it should be draining its spool within seconds, not idling through a long wait.
 */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** What the last attempt produced: an HTTP status, or none for a network error or a timeout. */
export interface AttemptFailure {
  status?: number;
  /** `Retry-After` in ms, when the answer carried one. */
  retryAfterMs?: number;
}

/** The longest `Retry-After` honoured as given; longer ones are cut to this. */
export const RETRY_AFTER_CAP_MS = 10 * 60 * 1000;

/** ms to wait before the next attempt (`attempt` counts failures so far, from 0), or `undefined`: never retry. */
export function retryDelay(failure: AttemptFailure, attempt: number, backoff: Backoff, random = Math.random): number | undefined {
  const { status, retryAfterMs } = failure;
  if (status !== undefined && status < 500 && status !== 429 && status !== 408) return undefined;
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, RETRY_AFTER_CAP_MS);
  return random() * Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
}

/** `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}
