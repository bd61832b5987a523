import { readBody } from './decode.js';
import { HttpError, errorBody, type Handler, type RequestContext, type Route } from './http.js';

/**
 * Test-only fault injection on the ingestion routes (`/track`, `/engage`, `/groups`), so SDK tests
 * can check delivery against the failures real networks and servers produce (issues #7, #13):
 *
 * - `'500'`, `'429'`: answer that status (with `Retry-After: <retryAfter>` when given);
 * - `'502'`: answer 502 with an HTML page, as a proxy or load balancer in front of a dead server does;
 * - `'junk'`: answer 200 with an HTML page and store nothing, as a captive portal or a
 *   misconfigured proxy does: a 200 that is not the ingestion server's answer;
 * - `'slow'`: wait `delayMs`, then store and answer as usual (a server that is alive but slow);
 * - `'413'`: refuse bodies above `maxBytes` decoded bytes, as the collector's own limit does;
 *   smaller requests pass untouched and do not use up `count`;
 * - `'hang'`: read the request and never answer (the client's timeout ends it);
 * - `'reset'`: read the request, then reset the connection (TCP RST) without an answer: to the
 *   client, a server that is down.
 *
 * With `flapMs`, the fault is on for `flapMs`, off for `flapMs`, on again, and so on from the
 * moment it is set (a flapping server); requests in the off windows pass and do not use up `count`.
 *
 * A faulted request stores nothing (but `'slow'`) and is logged in the `requests` table with an
 * `error` naming the fault (`status` 0 for `hang` and `reset`, which have no answer). Faults are
 * off until `POST /api/faults`; `DELETE /api/faults` and `POST /api/reset` clear them, end every
 * hanging request and let every slow one go on at once.
 */
export type FaultMode = '500' | '429' | '502' | 'junk' | 'slow' | '413' | 'hang' | 'reset';

export interface Fault {
  mode: FaultMode;
  /** Ingestion requests affected (for `'413'`: requests refused); absent = until cleared. */
  count?: number;
  /** `'500'` and `'429'` only: seconds sent as `Retry-After`. */
  retryAfter?: number;
  /** `'413'` only, and required: the largest decoded body that still passes. */
  maxBytes?: number;
  /** `'slow'` only, and required: how long each request waits before it is handled, in ms. */
  delayMs?: number;
  /** On for this many ms, then off as long, and so on (any mode). */
  flapMs?: number;
}

/** What a proxy in front of a dead server, or a captive portal, answers: a page, not the API. */
const PAGE = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;

const MODES: readonly FaultMode[] = ['500', '429', '502', 'junk', 'slow', '413', 'hang', 'reset'];
const INGESTION = ['/track', '/engage', '/groups'];

/**
 * The routing table with fault injection: the ingestion routes' handlers wrapped, `POST /api/reset`
 * also clearing faults, and `GET | POST | DELETE /api/faults` in front. The state is per table,
 * so two collectors in one process do not share faults.
 */
export function withFaults(routes: Route[]): Route[] {
  let fault: Fault | undefined;
  let remaining = Infinity;
  let since = 0; // when the fault was set: flapping windows count from here
  const hanging = new Set<RequestContext['res']>();
  const delayed = new Set<() => void>(); // slow answers: sent at once when the fault is cleared

  const clear = () => {
    fault = undefined;
    for (const res of hanging) res.destroy();
    hanging.clear();
    for (const send of Array.from(delayed)) send();
  };
  const use = (f: Fault) => {
    if (fault === f && --remaining <= 0) fault = undefined;
  };
  const on = (f: Fault) => f.flapMs === undefined || Math.floor((Date.now() - since) / f.flapMs) % 2 === 0;

  const inject = (handler: Handler): Handler => async (ctx) => {
    const f = fault;
    if (!f || ctx.req.method === 'HEAD' || !on(f)) return handler(ctx);
    if (f.mode === '413') return refuseLarge(f, ctx, handler, use);
    // Counted before the first await, so concurrent requests cannot overshoot `count`.
    use(f);
    if (f.mode === 'slow') return handler(slowly(ctx, f.delayMs!, delayed));
    // Read the body first: answering mid-upload makes most clients see a reset, not the status.
    const body = ctx.req.method === 'POST' ? await readBody(ctx.req, ctx.maxBodyBytes).catch(() => undefined) : undefined;
    ctx.meta.bytes = body?.length ?? 0;
    answer(f, ctx, hanging);
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
          throw new HttpError(400, `body must be JSON: {"mode": ${MODES.map((m) => `"${m}"`).join(' | ')}, "count"?, "retryAfter"?, "maxBytes"?, "delayMs"?, "flapMs"?}`);
        }
        clear();
        fault = parseFault(input);
        remaining = fault.count ?? Infinity;
        since = Date.now();
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

/** `'413'`: the collector's own 413 path (decode.ts) with a lower limit; only a refusal uses up `count`. */
async function refuseLarge(f: Fault, ctx: RequestContext, handler: Handler, use: (f: Fault) => void): Promise<void> {
  ctx.maxBodyBytes = Math.min(ctx.maxBodyBytes, f.maxBytes!);
  try {
    return await handler(ctx);
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) use(f);
    throw error;
  }
}

/**
 * `'slow'`: the request is handled (and stored) at once, its answer sent `delayMs` later, as a
 * loaded server does. A client that gave up meanwhile never learns its batch was stored.
 */
function slowly(ctx: RequestContext, delayMs: number, delayed: Set<() => void>): RequestContext {
  const send = ctx.send;
  return {
    ...ctx,
    send(status, body, headers) {
      const go = () => {
        clearTimeout(timer);
        if (delayed.delete(go)) send(status, body, headers);
      };
      const timer = setTimeout(go, delayMs);
      timer.unref();
      delayed.add(go);
    },
  };
}

/** The faulted answer (or its absence), logged with the fault's name. */
function answer(f: Fault, ctx: RequestContext, hanging: Set<RequestContext['res']>): void {
  if (f.mode === '500' || f.mode === '429') {
    const headers: Record<string, string> = f.retryAfter === undefined ? {} : { 'retry-after': String(f.retryAfter) };
    ctx.send(Number(f.mode), errorBody(`fault injected: HTTP ${f.mode}`), headers);
    return;
  }
  if (f.mode === '502' || f.mode === 'junk') {
    const status = f.mode === '502' ? 502 : 200;
    logFaulted(ctx, status, f.mode === '502' ? 'fault injected: HTML 502' : 'fault injected: junk 200, nothing stored');
    const page = PAGE(f.mode === '502' ? '502 Bad Gateway' : 'Welcome to the network');
    ctx.res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(page)) });
    ctx.res.end(page);
    return;
  }
  logFaulted(ctx, 0, `fault injected: ${f.mode}`);
  if (f.mode === 'reset') {
    const socket = ctx.req.socket;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
    return;
  }
  hanging.add(ctx.res);
  ctx.res.once('close', () => hanging.delete(ctx.res));
}

/** The optional fields, the least each may be, and the modes each applies to (undefined: all). */
const FIELDS: Record<Exclude<keyof Fault, 'mode'>, { min: number; modes?: FaultMode[] }> = {
  count: { min: 1 },
  retryAfter: { min: 0, modes: ['500', '429'] },
  maxBytes: { min: 0, modes: ['413'] },
  delayMs: { min: 1, modes: ['slow'] },
  flapMs: { min: 1 },
};
/** Fields a mode cannot do without. */
const NEEDS: Partial<Record<FaultMode, keyof Fault>> = { '413': 'maxBytes', slow: 'delayMs' };
const NEEDS_WHY: Record<string, string> = { maxBytes: 'bodies above it are refused', delayMs: 'each answer waits that long' };

/** A validated fault, or a 400 naming the first bad field. */
export function parseFault(input: unknown): Fault {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new HttpError(400, 'body must be a JSON object');
  const { mode, ...fields } = input as Record<string, unknown>;
  const names = Object.keys(FIELDS) as Array<keyof typeof FIELDS>;
  const extra = Object.keys(fields).find((key) => !names.includes(key as keyof typeof FIELDS));
  if (extra !== undefined) throw new HttpError(400, `unknown field '${extra}' (allowed: mode, ${names.join(', ')})`);
  if (!MODES.includes(mode as FaultMode)) throw new HttpError(400, `mode must be one of ${MODES.map((m) => `"${m}"`).join(', ')}`);
  const fault: Fault = { mode: mode as FaultMode };
  for (const name of names) {
    const value = fields[name];
    if (value === undefined) continue;
    const { min, modes } = FIELDS[name];
    if (!(Number.isSafeInteger(value) && (value as number) >= min)) throw new HttpError(400, `${name} must be an integer ≥ ${min}`);
    if (modes && !modes.includes(fault.mode)) {
      throw new HttpError(400, `${name} applies to mode${modes.length > 1 ? 's' : ''} ${modes.map((m) => `"${m}"`).join(' and ')} only`);
    }
    fault[name] = value as number;
  }
  const needed = NEEDS[fault.mode];
  if (needed && fault[needed] === undefined) throw new HttpError(400, `mode "${fault.mode}" needs ${needed}: ${NEEDS_WHY[needed]}`);
  return fault;
}

/** A faulted request's row, written here where `ctx.send` is not used or would not name the fault. */
function logFaulted(ctx: RequestContext, status: number, error: string): void {
  try {
    ctx.store.logRequest({
      at: Date.now(),
      method: ctx.req.method ?? 'POST',
      path: ctx.url.pathname,
      query: ctx.url.search.slice(1),
      status,
      items: 0,
      bytes: ctx.meta.bytes,
      origin: typeof ctx.req.headers.origin === 'string' ? ctx.req.headers.origin : null,
      error,
    });
  } catch (error) {
    console.error('[heed-collector] could not log request', error);
  }
}
