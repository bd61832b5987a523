import http from 'node:http';
import { HttpError, errorBody, type Method } from '../http.js';
import { PREFLIGHT_HEADERS, allowOrigin, findRoute, requestUrl, writeResponse } from '../server.js';
import type { Log } from './log.js';

/**
 * The relay's HTTP front: the collector's routing (server.ts: CORS, URL parsing, the route walk)
 * without its request table, fault mode or static files, none of which a relay should have.
 */
export interface RelayContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: string[];
  send(status: number, body: unknown, headers?: Record<string, string>): void;
}

export interface RelayRoute {
  path: RegExp;
  /** The `endpoint` label of `heed_relay_requests_total`; unset: not counted. */
  endpoint?: string;
  handlers: Partial<Record<Method, (ctx: RelayContext) => void | Promise<void>>>;
}

/**
 * Idle keep-alive connections are kept longer than a reverse proxy's or balancer's (nginx
 * upstream keepalive and AWS ALBs: 60 s), so the proxy, not the relay, closes them: a relay that
 * closes first races the proxy's next request on that connection, which then fails with a reset.
 */
const KEEP_ALIVE_MS = 65_000;

export function createRelayServer(routes: RelayRoute[], log: Log, onAnswer: (route: RelayRoute, status: number) => void): http.Server {
  const server = http.createServer((req, res) => {
    handle(routes, log, onAnswer, req, res).catch((error: unknown) => {
      log('error', 'request failed while answering', { error: error instanceof Error ? error.message : String(error) });
      res.destroy();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  return server;
}

async function handle(
  routes: RelayRoute[],
  log: Log,
  onAnswer: (route: RelayRoute, status: number) => void,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  allowOrigin(req, res);
  const method = (req.method ?? 'GET').toUpperCase();
  const url = requestUrl(req);
  const found = url ? findRoute(routes, url.pathname) : undefined;
  const route = found && 'route' in found ? found.route : undefined;
  const ctx: RelayContext = {
    req,
    res,
    url: url ?? new URL('http://relay.invalid/'),
    params: found && 'route' in found ? found.params : [],
    send(status, body, headers = {}) {
      if (route) onAnswer(route, status);
      writeResponse(res, status, body, headers);
    },
  };
  try {
    if (!url) throw new HttpError(400, 'malformed request URL');
    if (method === 'OPTIONS') return ctx.send(204, '', PREFLIGHT_HEADERS);
    if (found && 'badParam' in found) throw new HttpError(400, 'malformed percent-encoding in path');
    if (!route) throw new HttpError(404, `no route for ${method} ${url.pathname}`);
    const handler = route.handlers[(method === 'HEAD' ? 'GET' : method) as Method];
    if (!handler) {
      const allowed = Object.keys(route.handlers).join(', ');
      throw new HttpError(405, `${method} not allowed on ${url.pathname} (allowed: ${allowed})`, { allow: allowed });
    }
    await handler(ctx);
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    if (error instanceof HttpError) return ctx.send(error.status, errorBody(error.message), error.headers);
    log('error', 'request failed', { path: ctx.url.pathname, error: error instanceof Error ? error.message : String(error) });
    ctx.send(500, errorBody('internal error'));
  }
}
