import { PrivacyAuthError, PrivacyRateLimitError, PrivacyRequestError, type PrivacyRequestErrorCode } from './errors';
import { abortReason, type Pacer } from './pacer';
import { parseRetryAfter, retryDelay as nextDelay } from '../transport/retry';

export { parseRetryAfter };

export interface RetryOptions {
  /**
   * Retries after the first attempt, for 429, 5xx and network errors. Mixpanel suggests retrying
   * "for several hours" in batch jobs: raise it there.
   * @default 5
   * @example createPrivacyClient({ ..., retry: { limit: 20, maxDelay: 600_000 } })
   */
  limit?: number;
  /**
   * First backoff delay in ms, doubled on each retry, capped at `maxDelay`; a `Retry-After` wins.
   * @default 1000
   */
  backoff?: number;
  /**
   * Longest wait between attempts in ms. A `Retry-After` above it ends the retries at once.
   * @default 60000
   */
  maxDelay?: number;
}

export interface Transport {
  /** `https://mixpanel.com/api/app`, or a compatible server, without a trailing slash. */
  base: string;
  token: string;
  oauthToken: string;
  fetch: typeof fetch;
  pacer: Pacer;
  retry: Required<RetryOptions>;
  /** Per attempt, in ms. */
  timeout: number;
  /** Told of each retry before its wait (see `PrivacyClientOptions.onRetry`). */
  onRetry?: (attempt: number, waitMs: number, reason: string) => void;
}

/** What one attempt got: an answer, or no answer at all (connection error, timeout). */
export type Outcome = { status: number; retryAfter: string | null; text: string } | { networkError: unknown };

/**
 * The privacy client's use of the one retry policy (src/transport/retry.ts): `attempt` counts from
 * 1, no jitter (one client, paced one request at a time), and a `Retry-After` longer than
 * `maxDelay` ends the retries. Every GDPR call is retried, POSTs included: Mixpanel answers 429
 * before doing anything, and a duplicated deletion job deletes nothing twice.
 * @returns the delay in ms before the next attempt, or `undefined` to stop.
 */
export function retryDelay(retry: Required<RetryOptions>, attempt: number, outcome: Outcome, now = Date.now()): number | undefined {
  const failure = 'status' in outcome ? { status: outcome.status, retryAfter: parseRetryAfter(outcome.retryAfter, now) } : {};
  return nextDelay(failure, attempt - 1, { base: retry.backoff, cap: retry.maxDelay, limit: retry.limit, jitter: false });
}

export interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  /** Below the base, e.g. `/data-deletions/v3.0/123`. */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
  /** What a status means for this call beyond the defaults, e.g. `405 → not_cancellable`. */
  codes?: Partial<Record<number, PrivacyRequestErrorCode>>;
}

/**
 * One API call: paced, retried, and either a 2xx body (parsed JSON, `undefined` when empty) or a
 * typed error. An abort rejects with the signal's reason, untouched.
 */
export async function send(t: Transport, call: Call): Promise<unknown> {
  const url = `${t.base}${call.path}?token=${encodeURIComponent(t.token)}`;
  for (let attempt = 1; ; attempt++) {
    const outcome = await t.pacer.run(() => once(t, url, call), call.signal);
    const delay = retryDelay(t.retry, attempt, outcome);
    if (delay === undefined) return settle(outcome, call, attempt);
    // Held on the shared pacer: a 429 or a failing server concerns every request of this client.
    t.pacer.hold(delay);
    t.onRetry?.(attempt, delay, `${call.method} ${call.path}: ${describe(outcome)}`);
  }
}

async function once(t: Transport, url: string, call: Call): Promise<Outcome> {
  const controller = new AbortController();
  const forward = () => controller.abort(abortReason(call.signal));
  call.signal?.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${t.timeout} ms`)), t.timeout);
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${t.oauthToken}`, accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const response = await t.fetch(url, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: controller.signal,
    });
    const text = await response.text();
    return { status: response.status, retryAfter: response.headers.get('retry-after'), text };
  } catch (error) {
    if (call.signal?.aborted) throw abortReason(call.signal);
    return { networkError: controller.signal.aborted ? controller.signal.reason : error };
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', forward);
  }
}

/** What went wrong with one attempt, for a retry report: `503`, `429 (Retry-After 2)`, `no answer: fetch failed (ECONNREFUSED)`. */
function describe(outcome: Outcome): string {
  if ('status' in outcome) return `${outcome.status} from the GDPR API${outcome.retryAfter ? ` (Retry-After ${outcome.retryAfter})` : ''}`;
  // Duck-typed: fetch's errors may come from another realm (a test runner's sandbox).
  const error = outcome.networkError as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const message = typeof error?.message === 'string' ? error.message : String(error);
  const cause = error?.cause?.code ?? error?.cause?.message; // ECONNREFUSED, or undici's "bad port"
  return `no answer: ${message}${typeof cause === 'string' && cause ? ` (${cause})` : ''}`;
}

function settle(outcome: Outcome, call: Call, attempts: number): unknown {
  const what = `${call.method} ${call.path}`;
  const tries = attempts === 1 ? '' : ` (${attempts} attempts)`;
  if (!('status' in outcome)) {
    const reason = outcome.networkError instanceof Error ? outcome.networkError.message : String(outcome.networkError);
    throw new PrivacyRequestError(`${what}: no answer from the GDPR API${tries}: ${reason}`, 'network', { cause: outcome.networkError });
  }
  const { status, text } = outcome;
  if (status >= 200 && status < 300) {
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new PrivacyRequestError(`${what}: the ${status} answer is not JSON: ${excerpt(text)}`, 'bad_response', { status, cause: error });
    }
  }
  const serverMessage = messageOf(text);
  const init = { status, ...(serverMessage === undefined ? {} : { serverMessage }) };
  const said = serverMessage === undefined ? '' : `: ${serverMessage}`;
  if (status === 401 || status === 403) {
    throw new PrivacyAuthError(`${what}: ${status} from the GDPR API (check the OAuth token, its expiry and your role)${said}`, init);
  }
  if (status === 429) {
    const retryAfter = parseRetryAfter(outcome.retryAfter);
    throw new PrivacyRateLimitError(`${what}: 429 from the GDPR API${tries}${said}`, {
      ...init,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }
  const code = call.codes?.[status] ?? (status >= 500 ? 'server' : 'rejected');
  throw new PrivacyRequestError(`${what}: ${status} from the GDPR API${tries}${said}`, code, init);
}

/** The server's explanation: `error` (or `message`) of a JSON body, else the text itself, shortened. */
function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') {
      const { error, message } = body as { error?: unknown; message?: unknown };
      if (typeof error === 'string' && error) return error;
      if (typeof message === 'string' && message) return message;
    }
  } catch {
    // not JSON: use the text
  }
  return text.trim() ? excerpt(text) : undefined;
}

const excerpt = (text: string) => {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
};
