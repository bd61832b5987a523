import http from 'node:http';
import { HttpError, errorBody, type Method, type RequestContext, type Route } from './http.js';
import { serveStatic, type StaticMount } from './static.js';
import { withFaults } from './faults.js';
import type { Store } from './store.js';

export interface ServerConfig {
  store: Store;
  /** The routing table: every route group's `Route[]`, concatenated. */
  routes: Route[];
  mounts: StaticMount[];
  maxBodyBytes: number;
  log: boolean;
}

/** Browser pages on another origin (the demo, Playwright tests) call the collector directly. */
export const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'POST, GET, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Content-Encoding, Authorization',
  'access-control-max-age': '600',
};

export function createServer(config: ServerConfig): http.Server {
  // Test-only fault injection on the ingestion routes, off until `POST /api/faults` (faults.ts).
  config = { ...config, routes: withFaults(config.routes) };
  return http.createServer((req, res) => {
    handle(config, req, res).catch((error: unknown) => {
      // Only reached if answering itself failed; the connection is all that is left to close.
      console.error('[heed-collector] unhandled error', error);
      res.destroy();
    });
  });
}

async function handle(config: ServerConfig, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const started = Date.now();
  const origin = allowOrigin(req, res);
  const method = (req.method ?? 'GET').toUpperCase();
  const parsed = requestUrl(req);
  const url = parsed ?? new URL('http://collector.invalid/');
  if (config.log) {
    // On 'close', so static files and aborted requests get their line too.
    res.once('close', () => {
      const line = `${new Date(started).toISOString()} ${method} ${url.pathname} ${res.statusCode} items=${ctx.meta.items}`;
      console.log(`${line} ${Date.now() - started}ms${res.writableFinished ? '' : ' (aborted)'}`);
    });
  }
  const found = findRoute(config.routes, url.pathname);
  const route = found && 'route' in found ? found.route : undefined;

  const ctx: RequestContext = {
    req,
    res,
    url,
    params: found && 'route' in found ? found.params : [],
    store: config.store,
    maxBodyBytes: config.maxBodyBytes,
    meta: { items: 0, bytes: 0 },
    send(status, body, headers = {}) {
      const isJson = !(typeof body === 'string' || Buffer.isBuffer(body));
      if (route?.log) {
        const error = isJson && status >= 400 ? (body as { error?: unknown }).error : undefined;
        logRequest(config.store, {
          at: started,
          method,
          path: url.pathname,
          query: url.search.slice(1),
          status,
          ...ctx.meta,
          origin: origin ?? null,
          error: typeof error === 'string' ? error : null,
        });
      }
      writeResponse(res, status, body, headers);
    },
  };

  try {
    if (!parsed) throw new HttpError(400, 'malformed request URL');
    if (method === 'OPTIONS') {
      // Preflight for any path: a page may probe the read API as well as the ingestion routes.
      ctx.send(204, '', PREFLIGHT_HEADERS);
      return;
    }
    if (found && 'route' in found) {
      const handler = found.route.handlers[(method === 'HEAD' ? 'GET' : method) as Method];
      if (!handler) {
        const allowed = Object.keys(found.route.handlers).join(', ');
        throw new HttpError(405, `${method} not allowed on ${url.pathname} (allowed: ${allowed})`, { allow: allowed });
      }
      await handler(ctx);
      return;
    }
    if (found && 'badParam' in found) throw new HttpError(400, 'malformed percent-encoding in path');
    if (await serveStatic(ctx, config.mounts)) return;
    throw new HttpError(404, `no route for ${method} ${url.pathname}`);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) {
      ctx.send(error.status, errorBody(error.message), error.headers);
    } else {
      console.error('[heed-collector] request failed', error);
      ctx.send(500, errorBody(`internal error: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

/** The whole response: objects as JSON, with Content-Length (none on a 204). Shared with the relay. */
export function writeResponse(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const isJson = !(typeof body === 'string' || Buffer.isBuffer(body));
  const payload = isJson ? JSON.stringify(body) : (body as string | Buffer);
  res.writeHead(status, {
    ...(isJson ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...(status === 204 ? {} : { 'content-length': String(Buffer.byteLength(payload)) }),
    ...headers,
  });
  res.end(payload);
}

/** Echo the page's `Origin` (CORS with credentials); returns it, if any. Shared with the relay. */
export function allowOrigin(req: http.IncomingMessage, res: http.ServerResponse): string | undefined {
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  if (origin) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    // Without this a page on another origin cannot read Retry-After (Fetch spec, CORS-safelisted
    // response headers), and an SDK's 429/503 handling falls back to its own backoff.
    res.setHeader('access-control-expose-headers', 'Retry-After');
    res.setHeader('vary', 'Origin');
  }
  return origin;
}

/** The request target as a URL, or undefined when it is malformed. */
export function requestUrl(req: http.IncomingMessage): URL | undefined {
  try {
    // Not `new URL(target, base)`: that reads '//track' as a host name, not a path.
    const target = req.url ?? '/';
    return new URL(target.startsWith('/') ? `http://collector.invalid${target}` : target);
  } catch {
    return undefined;
  }
}

export type Found<R> = { route: R; params: string[] } | { badParam: true } | undefined;

/** The first route whose path matches, with its URI-decoded captures. */
export function findRoute<R extends { path: RegExp }>(routes: R[], pathname: string): Found<R> {
  for (const route of routes) {
    const match = route.path.exec(pathname);
    if (!match) continue;
    try {
      return { route, params: match.slice(1).map((p) => decodeURIComponent(p ?? '')) };
    } catch {
      return { badParam: true };
    }
  }
  return undefined;
}

function logRequest(store: Store, entry: Parameters<Store['logRequest']>[0]): void {
  try {
    store.logRequest(entry);
  } catch (error) {
    console.error('[heed-collector] could not log request', error);
  }
}
