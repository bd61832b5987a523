import type { Config } from '../types';
import { HeedError } from '../errors';
import { apiBase } from '../config';
import { parseRetryAfter } from './retry';

export { DELIVERY, parseRetryAfter, retryDelay, verdict, type Backoff, type Failure, type Verdict } from './retry';

export type Endpoint = 'track' | 'engage' | 'groups';

export interface TransportOptions {
  /** Host without trailing slash, e.g. `https://api-js.mixpanel.com` or a collector URL. */
  base: string;
  format: 'json' | 'base64';
  ip: boolean;
  /** Hosts per endpoint (`api_hosts`, already resolved), else `base`. */
  hosts?: Partial<Record<Endpoint, string>>;
  /** Paths below the host (`api_routes`); `track/` and so on by default. */
  routes?: Partial<Record<Endpoint, string>>;
  /** Extra query parameters, already encoded (`&test=1&k=v`). */
  query?: string;
  /** `'GET'` puts `data=` in the query string. @default 'POST' */
  method?: 'POST' | 'GET';
  headers?: Record<string, string>;
}

/** Mixpanel's request limits: 2000 items a request; keepalive bodies are capped at 64 KiB by browsers. */
export const MAX_BATCH = 2000;
const KEEPALIVE_LIMIT = 60000;
/** Longer URLs are refused by servers and proxies (414): a GET batch over it is split instead. */
const URL_LIMIT = 8000;

export const endpointUrl = (o: TransportOptions, endpoint: Endpoint): string =>
  `${(o.hosts && o.hosts[endpoint]) || o.base}/${((o.routes && o.routes[endpoint]) || endpoint + '/').replace(/^\/+/, '')}?verbose=1&ip=${o.ip ? 1 : 0}${o.query || ''}`;

/** How `api_hosts` names each endpoint: mixpanel-browser keys them both ways, so both count. */
const KINDS = { track: 'events', engage: 'people', groups: 'groups' } as const;

/** The host requests to `endpoint` go to (`get_api_host`). */
export const hostFor = (c: Config, endpoint: Endpoint): string =>
  apiBase(String((c.api_hosts && (c.api_hosts[KINDS[endpoint]] || c.api_hosts[endpoint])) || c.api_host));

/** A configuration's transport: hosts, routes, query, method and headers. */
export function transportFor(c: Config): TransportOptions {
  let query = c.test ? '&test=1' : '';
  const extra = c.api_extra_query_params || {};
  for (const key in extra) query += `&${encodeURIComponent(key)}=${encodeURIComponent(String(extra[key]))}`;
  return {
    base: apiBase(c.api_host),
    hosts: { track: hostFor(c, 'track'), engage: hostFor(c, 'engage'), groups: hostFor(c, 'groups') },
    routes: c.api_routes,
    format: c.api_payload_format,
    ip: c.ip,
    query,
    method: c.api_method === 'GET' ? 'GET' : 'POST',
    headers: c.xhr_headers,
  };
}

/** The form body Mixpanel's SDKs send: `data=` holding JSON, or base64 of its UTF-8 bytes. */
export function encode(payloads: readonly unknown[], format: TransportOptions['format']): string {
  const json = JSON.stringify(payloads);
  return 'data=' + encodeURIComponent(format === 'base64' ? btoa(unescape(encodeURIComponent(json))) : json);
}

/** Send one batch; resolves on acceptance, rejects with a {@link HeedError} carrying the status. */
export async function post(o: TransportOptions, endpoint: Endpoint, payloads: readonly unknown[], signal?: AbortSignal): Promise<void> {
  const body = encode(payloads, o.format);
  const get = o.method === 'GET';
  const url = endpointUrl(o, endpoint) + (get ? '&' + body : '');
  // As the server would answer: too long to send in one piece, so the outbox halves the batch.
  if (get && url.length > URL_LIMIT && payloads.length > 1) throw new HeedError(`${endpoint}: URL too long`, 413);
  let res: Response;
  try {
    res = await fetch(url, {
      method: get ? 'GET' : 'POST',
      // A CORS-safelisted type: no preflight, so keepalive and beacons work cross-origin.
      headers: get ? o.headers : { ...o.headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: get ? undefined : body,
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
