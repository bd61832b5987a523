import { readBody } from '../decode.js';
import { HttpError } from '../http.js';
import { isObject } from '../validate.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';
import type { RelayContext, RelayRoute } from './server.js';
import type { Upstream } from './upstream.js';

/**
 * Mixpanel's GDPR API v3 (wire reference §1) passed through to the upstream region's GDPR host,
 * so heed's privacy client, handler and CLI reach it with `baseUrl: '<relay>/api/app'`. Only these
 * routes carry `Authorization` upstream; the relay neither stores nor logs it. When the upstream
 * creates a deletion, the person's items still waiting in the spool are purged before the answer
 * (its `x-heed-relay-purged` header says how many), so none of them is forwarded afterwards.
 */
export interface GdprProxyConfig {
  /** The upstream's GDPR base, e.g. `https://eu.mixpanel.com/api/app`. */
  base: URL;
  upstream: Upstream;
  timeoutMs: number;
  maxBodyBytes: number;
  metrics: Metrics;
  log: Log;
  /** Remove a project's waiting items of these people; resolves with how many. */
  purge(token: string, distinctIds: string[]): Promise<number>;
}

const PASSED_HEADERS = ['authorization', 'content-type', 'accept'];
const ANSWER_HEADERS = ['content-type', 'retry-after'];

export function gdprProxyRoutes(config: GdprProxyConfig): RelayRoute[] {
  const forward = proxy(config);
  return [
    {
      path: /^\/api\/app\/(data-deletions|data-retrievals)\/v3\.0(?:\/[^/]+)?\/?$/,
      handlers: { GET: forward, POST: forward, DELETE: forward },
    },
  ];
}

function proxy(config: GdprProxyConfig): (ctx: RelayContext) => Promise<void> {
  const base = config.base.href.replace(/\/+$/, '');
  return async (ctx) => {
    const { req, url } = ctx;
    const method = req.method === 'HEAD' ? 'GET' : (req.method as 'GET' | 'POST' | 'DELETE');
    let body: Buffer | undefined;
    try {
      body = method === 'GET' ? undefined : await readBody(req, config.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return ctx.send(error.status, { status: 'error', error: error.message }, error.headers);
    }
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const target = new URL(`${base}${url.pathname.slice('/api/app'.length)}${url.search}`);
    const result = await config.upstream.send(target, { method, headers, body, timeoutMs: config.timeoutMs });
    if (!result.ok) {
      config.log('warn', 'GDPR upstream unreachable', { error: `${result.reason}: ${result.message}` });
      const status = result.reason === 'timeout' ? 504 : 502;
      return ctx.send(status, { status: 'error', error: `the GDPR API upstream did not answer (${result.reason})` });
    }
    const answerHeaders: Record<string, string> = {};
    for (const name of ANSWER_HEADERS) {
      const value = result.headers[name];
      if (typeof value === 'string') answerHeaders[name] = value;
    }
    if (method === 'POST' && ctx.params[0] === 'data-deletions' && isCreate(url) && result.status >= 200 && result.status < 300) {
      answerHeaders['x-heed-relay-purged'] = String(await purgeFor(config, url, body));
    }
    ctx.send(result.status, result.body, answerHeaders);
  };
}

/** `POST /data-deletions/v3.0` creates; with an id in the path it is something else. */
function isCreate(url: URL): boolean {
  return /\/v3\.0\/?$/.test(url.pathname);
}

async function purgeFor(config: GdprProxyConfig, url: URL, body: Buffer | undefined): Promise<number> {
  const token = url.searchParams.get('token');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    parsed = undefined;
  }
  const ids = isObject(parsed) && Array.isArray(parsed.distinct_ids) ? parsed.distinct_ids.filter((id): id is string => typeof id === 'string') : [];
  if (!token || ids.length === 0) return 0;
  const removed = await config.purge(token, ids);
  config.metrics.inc('heed_relay_purged_total', {}, removed);
  config.log('info', 'GDPR deletion created upstream: purged the people from the spool', { people: ids.length, items: removed });
  return removed;
}
