import { HeedError } from '../errors';
import { parseRetryAfter } from './retry';

export { DELIVERY, parseRetryAfter, retryDelay, verdict, type Backoff, type Failure, type Verdict } from './retry';

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
    error.retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
    throw error;
  }
  const reply = (await res.json().catch(() => null)) as { status?: unknown; error?: unknown } | null;
  if (reply && reply.status === 0) throw new HeedError(`${endpoint}: rejected: ${String(reply.error)}`, 400);
}
