import type { IncomingMessage } from 'node:http';
import { decodePayload, readBody } from '../decode.js';
import { HttpError, errorBody } from '../http.js';
import { MAX_ITEMS } from '../ingest.js';
import { isObject } from '../validate.js';
import { answer, type FailedRecord } from './answer.js';
import { admit, type EdgeRules } from './edge.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';
import type { Endpoint } from './options.js';
import type { RelayContext, RelayRoute } from './server.js';
import type { Spool, SpoolRow } from './spool.js';

/**
 * The ingestion routes: what mixpanel-browser and heed send (POST form `data=` JSON or base64,
 * a raw JSON body, or GET `?data=`), decoded and refused exactly as the collector does, then
 * admitted item by item at the edge, committed to the spool, and only then answered.
 */
export interface AcceptConfig {
  spool: Spool;
  metrics: Metrics;
  log: Log;
  rules: EdgeRules;
  countryHeader: string | undefined;
  maxBodyBytes: number;
  /** Items of this endpoint were committed: wake its sender. */
  onSpooled(endpoint: Endpoint): void;
}

export function acceptRoutes(paths: Array<{ path: string; endpoint: Endpoint }>, config: AcceptConfig): RelayRoute[] {
  return paths.map(({ path, endpoint }) => {
    const handler = accept(endpoint, config);
    return { path: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?$`), endpoint, handlers: { POST: handler, GET: handler } };
  });
}

function accept(endpoint: Endpoint, config: AcceptConfig): (ctx: RelayContext) => Promise<void> {
  const { metrics } = config;
  return async (ctx) => {
    const { req, url } = ctx;
    // HEAD is served by GET handlers, but GET stores here, which HEAD must not.
    if (req.method === 'HEAD') throw new HttpError(405, `HEAD not allowed on ${url.pathname} (allowed: POST, GET)`, { allow: 'POST, GET' });
    const body = req.method === 'POST' ? await readBody(req, config.maxBodyBytes) : undefined;
    const { payload, fields } = decodePayload(body, req.headers['content-type'], url.searchParams);
    const items = itemsOf(payload);
    const country = countryOf(req, config.countryHeader);
    const rows: SpoolRow[] = [];
    const failed: FailedRecord[] = [];
    items.forEach((item, index) => {
      const result = admit(endpoint, item, country, config.rules);
      if (result.ok) return void rows.push(result.row);
      failed.push({ index, message: result.message });
      metrics.inc('heed_relay_refused_total', { endpoint, reason: result.reason });
    });
    if (rows.length === 0) {
      const first = failed[0]!;
      const error = `no valid items: all ${items.length} refused (item ${first.index}: ${first.message})`;
      return ctx.send(400, { ...errorBody(error), failed_records: failed });
    }
    const stored = await config.spool.append(endpoint, rows).catch((error: unknown) => {
      config.log('error', 'spool write failed', { endpoint, error: error instanceof Error ? error.message : String(error) });
      throw new HttpError(503, 'the relay could not store the items: retry later', { 'retry-after': '5' });
    });
    metrics.inc('heed_relay_accepted_total', { endpoint }, stored.added);
    if (stored.duplicates) metrics.inc('heed_relay_duplicates_total', { endpoint }, stored.duplicates);
    config.onSpooled(endpoint);
    const reply = answer(url.searchParams, fields, failed);
    ctx.send(200, reply.body, reply.headers);
  };
}

/** One object or an array of 1 to 2000: the collector's rules (ingest.ts). */
function itemsOf(payload: unknown): unknown[] {
  const items = Array.isArray(payload) ? payload : isObject(payload) ? [payload] : undefined;
  if (!items) throw new HttpError(400, 'payload must be a JSON object or an array of objects');
  if (items.length === 0) throw new HttpError(400, 'payload is an empty array: send at least one item');
  if (items.length > MAX_ITEMS) throw new HttpError(400, `too many items: ${items.length} in one request, the limit is ${MAX_ITEMS}`);
  return items;
}

/** A two-letter country from the trusted header; Cloudflare's `XX` (unknown) and `T1` (Tor) are no country. */
function countryOf(req: IncomingMessage, header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = req.headers[header];
  const code = (Array.isArray(value) ? value[0] : value)?.trim().toUpperCase();
  return code && /^[A-Z]{2}$/.test(code) && code !== 'XX' ? code : undefined;
}
