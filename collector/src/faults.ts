import { readBody } from './decode.js';
import { HttpError, errorBody, type Handler, type RequestContext, type Route } from './http.js';

/**
 * Test-only fault injection on the ingestion routes (`/track`, `/engage`, `/groups`), so SDK tests
 * can check delivery against the failures real networks and servers produce (issue #7):
 *
 * - `'500'`, `'429'`: answer that status (with `Retry-After: <retryAfter>` when given);
 * - `'413'`: refuse bodies above `maxBytes` decoded bytes, as the collector's own limit does;
 *   smaller requests pass untouched and do not use up `count`;
 * - `'hang'`: read the request and never answer (the client's timeout ends it);
 * - `'reset'`: read the request, then reset the connection (TCP RST) without an answer.
 *
 * A faulted request stores nothing but is logged in the `requests` table (`status` 0 and an
 * `error` for `hang` and `reset`, which have no answer). Faults are off until `POST /api/faults`;
 * `DELETE /api/faults` and `POST /api/reset` clear them and end every hanging request.
 */
export type FaultMode = '500' | '429' | '413' | 'hang' | 'reset';

export interface Fault {
  mode: FaultMode;
  /** Ingestion requests affected (for `'413'`: requests refused); absent = until cleared. */
  count?: number;
  /** `'500'` and `'429'` only: seconds sent as `Retry-After`. */
  retryAfter?: number;
  /** `'413'` only, and required: the largest decoded body that still passes. */
  maxBytes?: number;
}

const MODES: readonly FaultMode[] = ['500', '429', '413', 'hang', 'reset'];
const INGESTION = ['/track', '/engage', '/groups'];

/**
 * The routing table with fault injection: the ingestion routes' handlers wrapped, `POST /api/reset`
 * also clearing faults, and `GET | POST | DELETE /api/faults` in front. The state is per table,
 * so two collectors in one process do not share faults.
 */
export function withFaults(routes: Route[]): Route[] {
  let fault: Fault | undefined;
  let remaining = Infinity;
  const hanging = new Set<RequestContext['res']>();

  const clear = () => {
    fault = undefined;
    for (const res of hanging) res.destroy();
    hanging.clear();
  };
  const use = (f: Fault) => {
    if (fault === f && --remaining <= 0) fault = undefined;
  };

  const inject = (handler: Handler): Handler => async (ctx) => {
    const f = fault;
    if (!f || ctx.req.method === 'HEAD') return handler(ctx);
    if (f.mode === '413') {
      // The collector's own 413 path (decode.ts), with a lower limit for this request.
      ctx.maxBodyBytes = Math.min(ctx.maxBodyBytes, f.maxBytes!);
      try {
        return await handler(ctx);
      } catch (error) {
        if (error instanceof HttpError && error.status === 413) use(f);
        throw error;
      }
    }
    // Counted before the first await, so concurrent requests cannot overshoot `count`.
    use(f);
    // Read the body first: answering mid-upload makes most clients see a reset, not the status.
    const body = ctx.req.method === 'POST' ? await readBody(ctx.req, ctx.maxBodyBytes).catch(() => undefined) : undefined;
    ctx.meta.bytes = body?.length ?? 0;
    if (f.mode === '500' || f.mode === '429') {
      const headers: Record<string, string> = f.retryAfter === undefined ? {} : { 'retry-after': String(f.retryAfter) };
      ctx.send(Number(f.mode), errorBody(`fault injected: HTTP ${f.mode}`), headers);
      return;
    }
    logUnanswered(ctx, `fault injected: ${f.mode}`);
    if (f.mode === 'reset') {
      const socket = ctx.req.socket;
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    hanging.add(ctx.res);
    ctx.res.once('close', () => hanging.delete(ctx.res));
  };

  const faultsRoute: Route = {
    path: /^\/api\/faults\/?$/,
    handlers: {
      GET(ctx) {
        ctx.send(200, { fault: fault ? { ...fault, count: remaining === Infinity ? undefined : remaining } : null });
      },
      async POST(ctx) {
        const text = (await readBody(ctx.req, 64 * 1024)).toString('utf8');
        let input: unknown;
        try {
          input = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'body must be JSON: {"mode": "500" | "429" | "413" | "hang" | "reset", "count"?, "retryAfter"?, "maxBytes"?}');
        }
        clear();
        fault = parseFault(input);
        remaining = fault.count ?? Infinity;
        ctx.send(200, { status: 1, error: null, fault });
      },
      DELETE(ctx) {
        clear();
        ctx.send(200, { status: 1, error: null });
      },
    },
  };

  return [
    faultsRoute,
    ...routes.map((route): Route => {
      if (INGESTION.some((path) => route.path.test(path))) {
        const handlers: Route['handlers'] = {};
        for (const [method, handler] of Object.entries(route.handlers)) handlers[method as keyof Route['handlers']] = inject(handler);
        return { ...route, handlers };
      }
      const reset = route.handlers.POST;
      if (reset && route.path.test('/api/reset')) {
        return {
          ...route,
          handlers: {
            ...route.handlers,
            POST(ctx) {
              clear();
              return reset(ctx);
            },
          },
        };
      }
      return route;
    }),
  ];
}

/** A validated fault, or a 400 naming the first bad field. */
export function parseFault(input: unknown): Fault {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new HttpError(400, 'body must be a JSON object');
  const { mode, count, retryAfter, maxBytes, ...rest } = input as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) throw new HttpError(400, `unknown field '${extra[0]}' (allowed: mode, count, retryAfter, maxBytes)`);
  if (!MODES.includes(mode as FaultMode)) throw new HttpError(400, `mode must be one of ${MODES.map((m) => `"${m}"`).join(', ')}`);
  const integer = (value: unknown, name: string, min: number) => {
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min)) {
      throw new HttpError(400, `${name} must be an integer ≥ ${min}`);
    }
    return value as number | undefined;
  };
  const fault: Fault = { mode: mode as FaultMode };
  if (integer(count, 'count', 1) !== undefined) fault.count = count as number;
  if (integer(retryAfter, 'retryAfter', 0) !== undefined) {
    if (mode !== '500' && mode !== '429') throw new HttpError(400, 'retryAfter applies to modes "500" and "429" only');
    fault.retryAfter = retryAfter as number;
  }
  if (integer(maxBytes, 'maxBytes', 0) !== undefined) {
    if (mode !== '413') throw new HttpError(400, 'maxBytes applies to mode "413" only');
    fault.maxBytes = maxBytes as number;
  } else if (mode === '413') {
    throw new HttpError(400, 'mode "413" needs maxBytes: bodies above it are refused');
  }
  return fault;
}

/** `hang` and `reset` send no answer, so `ctx.send` never logs them: write their row here. */
function logUnanswered(ctx: RequestContext, error: string): void {
  try {
    ctx.store.logRequest({
      at: Date.now(),
      method: ctx.req.method ?? 'POST',
      path: ctx.url.pathname,
      query: ctx.url.search.slice(1),
      status: 0,
      items: 0,
      bytes: ctx.meta.bytes,
      origin: typeof ctx.req.headers.origin === 'string' ? ctx.req.headers.origin : null,
      error,
    });
  } catch (error) {
    console.error('[heed-collector] could not log request', error);
  }
}
