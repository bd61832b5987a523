import { carriedIds } from './carried.js';
import { decodePayload, readBody } from './decode.js';
import { HttpError, errorBody, type Handler, type RequestContext, type Route } from './http.js';
import type { Store } from './store.js';
import {
  checkEvent,
  checkGroupUpdate,
  checkProfileUpdate,
  isObject,
  Refusal,
  type EventRecord,
  type GroupUpdate,
  type ProfileUpdate,
} from './validate.js';

/** Mixpanel's per-request cap for /track, /engage and /groups (wire reference §2.3, §2.5). */
export const MAX_ITEMS = 2000;

/** The 1×1 transparent GIF Mixpanel serves for `img=1`. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

interface Endpoint<T> {
  check(item: unknown): T | Refusal;
  /** Stores the records; returns the `$insert_id`s of copies that had arrived before. */
  save(store: Store, records: T[], ip: string | null, at: number): string[];
}

const track: Endpoint<EventRecord> = {
  check: checkEvent,
  save: (store, records, ip, at) => store.insertEvents(records, ip, at),
};
const engage: Endpoint<ProfileUpdate> = {
  check: checkProfileUpdate,
  save: (store, updates, ip, at) => (store.updateProfiles(updates, ip, at), []),
};
const groups: Endpoint<GroupUpdate> = {
  check: checkGroupUpdate,
  save: (store, updates, ip, at) => (store.updateGroups(updates, ip, at), []),
};

/**
 * POST (and the GET/img fallback mixpanel-js uses without XHR) on `/track`, `/engage`,
 * `/groups`, with or without the trailing slash mixpanel-js puts on them.
 */
export const ingestRoutes: Route[] = [
  route(/^\/track\/?$/, ingest(track)),
  route(/^\/engage\/?$/, ingest(engage)),
  route(/^\/groups\/?$/, ingest(groups)),
];

function route(path: RegExp, handler: Handler): Route {
  return { path, log: true, handlers: { POST: handler, GET: handler } };
}

function ingest<T>(endpoint: Endpoint<T>): Handler {
  return async (ctx) => {
    const { req, url } = ctx;
    // The server answers HEAD with the GET handler; here GET stores data, which HEAD must not.
    if (req.method === 'HEAD') {
      throw new HttpError(405, `HEAD not allowed on ${url.pathname} (allowed: POST, GET)`, { allow: 'POST, GET' });
    }
    // Known before the body is read, so a refused (413, bad gzip) request still says how it came.
    const compression = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (compression && compression !== 'identity') ctx.meta.encoding = compression;
    const body = req.method === 'POST' ? await readBody(req, ctx.maxBodyBytes) : undefined;
    ctx.meta.bytes = body?.length ?? 0;
    const { payload, fields, format } = decodePayload(body, req.headers['content-type'], url.searchParams);
    ctx.meta.encoding = ctx.meta.encoding ? `${format}, ${ctx.meta.encoding}` : format;
    const items = Array.isArray(payload) ? payload : isObject(payload) ? [payload] : undefined;
    if (!items) throw new HttpError(400, 'payload must be a JSON object or an array of objects');
    ctx.meta.received = items.length;
    Object.assign(ctx.meta, carriedIds(items));
    if (items.length === 0) throw new HttpError(400, 'payload is an empty array: send at least one item');
    if (items.length > MAX_ITEMS) {
      throw new HttpError(400, `too many items: ${items.length} in one request, the limit is ${MAX_ITEMS}`);
    }

    const good: T[] = [];
    const failed: FailedRecord[] = [];
    items.forEach((item, index) => {
      const result = endpoint.check(item);
      if (result instanceof Refusal) failed.push(failedRecord(index, item, result));
      else good.push(result);
    });
    if (good.length === 0) {
      const first = failed[0]!;
      ctx.send(400, {
        ...errorBody(`no valid items: all ${items.length} failed validation (item ${first.index}: ${first.message})`),
        failed_records: failed,
      });
      return;
    }

    // `ip` and `verbose` may come in the query (mixpanel-js) or as form fields (mixpanel-python).
    const flag = (name: string) => isOn(url.searchParams.get(name) ?? fields?.get(name));
    const ip = flag('ip') ? remoteAddress(ctx) : null;
    ctx.meta.duplicates = endpoint.save(ctx.store, good, ip, Date.now());
    ctx.meta.items = good.length;
    reply(ctx, flag('verbose'), failed);
  };
}

/** Mixpanel's `failed_records[]` entry (as `/import?strict=1` answers): index, the event's `$insert_id`, field, message. */
interface FailedRecord {
  index: number;
  insert_id?: string;
  field: string;
  message: string;
}

function failedRecord(index: number, item: unknown, refusal: Refusal): FailedRecord {
  const id = isObject(item) && isObject(item.properties) ? item.properties.$insert_id : undefined;
  return { index, ...(typeof id === 'string' ? { insert_id: id } : {}), field: refusal.field, message: refusal.message };
}

function reply(ctx: RequestContext, verbose: boolean, failed: FailedRecord[]): void {
  const query = ctx.url.searchParams;
  if (isOn(query.get('img'))) {
    ctx.send(200, PIXEL, { 'content-type': 'image/gif', 'cache-control': 'no-store' });
    return;
  }
  const result = verbose ? JSON.stringify({ status: 1, error: null, ...(failed.length ? { failed_records: failed } : {}) }) : '1';
  const callback = query.get('callback');
  if (callback !== null && CALLBACK.test(callback)) {
    ctx.send(200, `${callback}(${result});`, { 'content-type': 'text/javascript; charset=utf-8' });
  } else if (verbose) {
    ctx.send(200, result, { 'content-type': 'application/json; charset=utf-8' });
  } else {
    ctx.send(200, result, { 'content-type': 'text/plain; charset=utf-8' });
  }
}

function isOn(value: string | null | undefined): boolean {
  return value === '1' || value === 'true';
}

function remoteAddress(ctx: RequestContext): string | null {
  const address = ctx.req.socket.remoteAddress;
  if (!address) return null;
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
