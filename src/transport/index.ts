import type { Config } from '../types';
import { HeedError } from '../errors';
import { apiBase } from '../config';
import { parseRetryAfter } from './retry';
import { P, parse, show, stringify } from '../intrinsics';

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

/** Whether the request for these payloads is a keepalive fetch, which outlives the page. */
export const keepsAlive = (payloads: readonly unknown[], format: TransportOptions['format']) => encode(payloads, format).length < KEEPALIVE_LIMIT;
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
  const json = stringify(payloads);
  return 'data=' + encodeURIComponent(format === 'base64' ? btoa(unescape(encodeURIComponent(json))) : json);
}

/** What heed reads of an answer, from fetch or XMLHttpRequest. */
interface Answer {
  status: number;
  header(name: string): string | null;
  text(): Promise<string>;
}

interface Call {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  keepalive: boolean;
  signal?: AbortSignal;
}

const aborted = (signal?: AbortSignal) => !!signal && signal.aborted;

/** The request by XMLHttpRequest: where `fetch` is missing, or a page's broken wrapper of it. */
const xhr = (url: string, c: Call) =>
  new P<Answer>((resolve, reject) => {
    const r = new XMLHttpRequest();
    r.open(c.method, url, true);
    for (const name in c.headers) r.setRequestHeader(name, c.headers[name]);
    r.onload = () => resolve({ status: r.status, header: (n) => r.getResponseHeader(n), text: () => P.resolve(r.responseText) });
    r.onerror = r.onabort = () => reject(new TypeError('XMLHttpRequest failed'));
    if (c.signal) c.signal.addEventListener('abort', () => r.abort());
    r.send(c.body ?? null);
  });

/**
 * One request by `fetch`. The engine's fetch never throws (it returns a promise) and rejects with a
 * TypeError (network) or an AbortError; anything else it throws or rejects with comes from a page's
 * broken wrapper (a polyfill, an extension), so the request goes by XMLHttpRequest instead.
 */
async function request(url: string, c: Call): Promise<Answer> {
  let pending: Promise<Response>;
  try {
    pending = fetch(url, c);
  } catch (e) {
    if (typeof XMLHttpRequest !== 'function') throw e;
    return xhr(url, c);
  }
  try {
    const res = await pending;
    return { status: res.status, header: (n) => res.headers.get(n), text: () => res.text() };
  } catch (e) {
    if (aborted(c.signal) || e instanceof TypeError || typeof XMLHttpRequest !== 'function') throw e;
    return xhr(url, c);
  }
}

/** A 2xx body: `1`, nothing, or `{"status": 1}` is accepted; `{"status": 0}` a refusal; anything else (a proxy's HTML page) is no answer. */
async function accepted(endpoint: Endpoint, res: Answer): Promise<void> {
  const body = (await res.text().catch(() => '')).trim();
  if (body === '' || body === '1') return;
  const reply = parse(body) as { status?: unknown; error?: unknown } | undefined;
  if (reply && reply.status === 1) return;
  if (reply && reply.status === 0) throw new HeedError(`${endpoint}: rejected: ${typeof reply.error === 'string' ? reply.error : show(reply.error)}`, 400);
  throw new HeedError(`${endpoint}: not an ingestion answer: ${show(body.slice(0, 40))}`, 502);
}

/** Send one batch; resolves on acceptance, rejects with a {@link HeedError} carrying the status. */
export async function post(o: TransportOptions, endpoint: Endpoint, payloads: readonly unknown[], signal?: AbortSignal): Promise<void> {
  const body = encode(payloads, o.format);
  const get = o.method === 'GET';
  const url = endpointUrl(o, endpoint) + (get ? '&' + body : '');
  // As the server would answer: too long to send in one piece, so the outbox halves the batch.
  if (get && url.length > URL_LIMIT && payloads.length > 1) throw new HeedError(`${endpoint}: URL too long`, 413);
  let res: Answer;
  try {
    res = await request(url, {
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
  if (res.status < 200 || res.status > 299) {
    const error = new HeedError(`${endpoint}: HTTP ${res.status}`, res.status);
    error.retryAfter = parseRetryAfter(res.header('Retry-After'));
    throw error;
  }
  await accepted(endpoint, res);
}
