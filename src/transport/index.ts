import { HeedError } from '../errors';

export type Endpoint = 'track' | 'engage' | 'groups';

export interface TransportOptions {
  /** Host without trailing slash, e.g. `https://api-js.mixpanel.com` or a collector URL. */
  base: string;
  format: 'json' | 'base64';
  ip: boolean;
}

/** Mixpanel's request limits: 2000 items a request; keepalive bodies are capped at 64 KiB by browsers. */
export const MAX_BATCH = 2000;
const KEEPALIVE_LIMIT = 60000;

export const endpointUrl = (o: TransportOptions, endpoint: Endpoint): string =>
  `${o.base}/${endpoint}/?verbose=1&ip=${o.ip ? 1 : 0}`;

/** The form body Mixpanel's SDKs send: `data=` holding JSON, or base64 of its UTF-8 bytes. */
export function encode(payloads: readonly unknown[], format: TransportOptions['format']): string {
  const json = JSON.stringify(payloads);
  return 'data=' + encodeURIComponent(format === 'base64' ? btoa(unescape(encodeURIComponent(json))) : json);
}

/** POST one batch; resolves on acceptance, rejects with a {@link HeedError} carrying the status. */
export async function post(o: TransportOptions, endpoint: Endpoint, payloads: readonly unknown[], signal?: AbortSignal): Promise<void> {
  const body = encode(payloads, o.format);
  let res: Response;
  try {
    res = await fetch(endpointUrl(o, endpoint), {
      method: 'POST',
      // A CORS-safelisted type: no preflight, so keepalive and beacons work cross-origin.
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
      keepalive: body.length < KEEPALIVE_LIMIT,
      signal,
    });
  } catch (cause) {
    throw new HeedError(`${endpoint}: network error`, undefined, { cause });
  }
  if (!res.ok) {
    const error = new HeedError(`${endpoint}: HTTP ${res.status}`, res.status);
    error.retryAfter = retryAfter(res.headers.get('Retry-After'));
    throw error;
  }
  const reply = (await res.json().catch(() => null)) as { status?: unknown; error?: unknown } | null;
  if (reply && reply.status === 0) throw new HeedError(`${endpoint}: rejected: ${String(reply.error)}`, 400);
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const ms = /^\d+$/.test(header) ? +header * 1000 : Date.parse(header) - Date.now();
  return isNaN(ms) ? undefined : Math.max(0, ms);
}

const BACKOFF_BASE = 2000;
const BACKOFF_CAP = 600000;

/**
 * The one retry decision, in a fixed order: other 4xx are never retried (`undefined`); a server's
 * `Retry-After` wins; network errors, timeouts, 5xx and 429 wait an exponential backoff with full
 * jitter, 2 s doubling up to 10 min.
 */
export function retryDelay(e: unknown, attempt: number): number | undefined {
  const { status, retryAfter: after } = e as HeedError;
  if (status !== undefined && status < 500 && status !== 429 && status !== 408) return undefined;
  if (after !== undefined) return Math.min(after, BACKOFF_CAP);
  return Math.random() * Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt);
}
