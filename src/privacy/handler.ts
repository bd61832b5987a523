import { HeedError } from '../errors';
import { defaultSuppressor, type Suppressor } from '../server/default';
import type { SuppressionStore } from '../server/suppression';
import { isPrivacyAuthError, isPrivacyRateLimitError, isPrivacyRequestError } from './errors';
import type { PrivacyClient } from './client';
import { parseComplianceType, parseDisclosureType } from './parse';
import type { ComplianceType, DataRequestStatus, OptOutStatus, PrivacyTaskState, TaskKind } from './types';

export interface PrivacyHandlerOptions {
  /** A client from `createPrivacyClient` (the handler needs its create and get methods). */
  client: Pick<PrivacyClient, 'createDeletion' | 'createExport' | 'getDeletion' | 'getExport'>;
  /**
   * App code: the distinct_id of the signed-in caller (from the session), or `null`/`undefined`
   * for "nobody", which answers 401. The handler only ever acts on this id: a distinct_id is not
   * a secret, so one sent by the browser is compared with it, never trusted.
   * @example authorize: async (request) => (await sessions.fromCookie(request.headers.get('cookie')))?.userId ?? null
   */
  authorize: (request: Request) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Where the routes live: `POST <basePath>/deletion`, `POST <basePath>/export`,
   * `POST <basePath>/opt-out`, `GET <basePath>/tasks/:id`.
   * @default '/privacy'
   */
  basePath?: string;
  /**
   * Requests per authorized distinct_id (all routes together) in a fixed window; above it, 429
   * with `Retry-After`. The client behind it shares Mixpanel's 1 request/s with every other caller.
   * `false` turns it off.
   * @default { limit: 10, windowMs: 60000 }
   */
  rateLimit?: { limit?: number; windowMs?: number } | false;
  /**
   * The compliance type when the browser does not name one ('GDPR' or 'CCPA' in the body is honoured).
   * @default 'GDPR'
   */
  complianceType?: ComplianceType;
  /**
   * What stops server-side tracking for the person: a deletion suppresses them first, and
   * `POST <basePath>/opt-out` suppresses them without deleting. A Node tracker (its `suppress`) or
   * a suppression store (`redisSuppressions(...)`, for a privacy service that does not track);
   * `false` turns both off (the opt-out route then answers 501).
   * @default the default tracker of `import heed from 'heed'` in this process
   * @example createPrivacyHandler({ client, authorize, suppress: heed })
   */
  suppress?: Suppressor | SuppressionStore | false;
  /**
   * Failures, for the app's logs: of the client (the GDPR API refused or was unreachable), of
   * `authorize`, of a suppression. The browser only gets a generic 5xx.
   * @default console.error
   */
  onError?: (error: unknown, request: Request) => void;
}

/** Larger bodies are refused: the handler expects a handful of short fields. */
const MAX_BODY = 16 * 1024;

type Route = 'deletion' | 'export' | 'opt-out' | 'task';
type Body = Record<string, unknown>;
type Suppress = (distinctId: string) => Promise<void>;

/**
 * A Web-standard request handler for the app's backend: the browser asks it, it asks Mixpanel
 * with the server-side client. Works with any fetch-style server, and with `node:http` through
 * `toNodeHandler`.
 */
export function createPrivacyHandler(options: PrivacyHandlerOptions): (request: Request) => Promise<Response> {
  const { authorize } = options;
  const base = (options.basePath ?? '/privacy').replace(/\/+$/, '');
  const limiter = options.rateLimit === false ? undefined : windowLimiter(options.rateLimit?.limit ?? 10, options.rateLimit?.windowMs ?? 60000);
  const report = options.onError ?? ((error: unknown) => console.error('[heed/privacy]', error));
  const suppress = options.suppress === false ? undefined : suppressorOf(options.suppress);

  return async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname.replace(/\/+$/, '');
    const route = routeOf(path, base);
    if (!route) return reply(404, { error: 'not found' });
    const method = route === 'task' ? 'GET' : 'POST';
    if (request.method !== method && !(method === 'GET' && request.method === 'HEAD')) {
      return reply(405, { error: `use ${method}` }, { allow: method });
    }

    let subject: string | null | undefined;
    try {
      subject = await authorize(request);
    } catch (error) {
      report(error, request);
      return reply(500, { error: 'authorization failed' });
    }
    if (typeof subject !== 'string' || !subject) return reply(401, { error: 'sign in to make a data request' });
    const wait = limiter?.(subject);
    if (wait) return reply(429, { error: 'too many requests' }, { 'retry-after': String(Math.ceil(wait / 1000)) });

    try {
      if (route === 'task') return await status(options.client, subject, path.slice(base.length + '/tasks/'.length));
      const body = await readBody(request, subject);
      if (body instanceof Response) return body;
      if (route === 'opt-out') return await optOut(subject, suppress, report, request);
      // Suppressed first: nothing the servers send for them may race the deletion job.
      if (route === 'deletion' && suppress) await suppress(subject).catch((error: unknown) => report(error, request));
      return await create(route, subject, body, options);
    } catch (error) {
      report(error, request);
      return failure(error);
    }
  };
}

const routeOf = (path: string, base: string): Route | undefined =>
  path === `${base}/deletion` ? 'deletion'
  : path === `${base}/export` ? 'export'
  : path === `${base}/opt-out` ? 'opt-out'
  : path.startsWith(`${base}/tasks/`) ? 'task'
  : undefined;

/** The browser's view of a failed call: the details stay in the app's logs. */
function failure(error: unknown): Response {
  if (isPrivacyRateLimitError(error)) {
    const after: Record<string, string> = error.retryAfter === undefined ? {} : { 'retry-after': String(Math.ceil(error.retryAfter / 1000)) };
    return reply(503, { error: 'the privacy service is busy, try again later' }, after);
  }
  if (isPrivacyAuthError(error) || isPrivacyRequestError(error)) return reply(502, { error: 'the privacy service refused the request' });
  return reply(500, { error: 'internal error' });
}

/** The JSON object a POST carries, or the answer refusing it. */
async function readBody(request: Request, subject: string): Promise<Body | Response> {
  // A JSON content type cannot be sent cross-site without a CORS preflight, so a form on
  // another site cannot make a signed-in visitor's browser ask for a deletion (CSRF).
  if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
    return reply(415, { error: 'send Content-Type: application/json' });
  }
  if (Number(request.headers.get('content-length')) > MAX_BODY) return reply(413, { error: 'body too large' });
  const text = await request.text();
  if (text.length > MAX_BODY) return reply(413, { error: 'body too large' });
  let body: Body = {};
  if (text.trim()) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('not an object');
      body = parsed as Body;
    } catch {
      return reply(400, { error: 'the body must be a JSON object' });
    }
  }
  // The browser says whose data it holds; asking for anyone but the signed-in person is refused.
  for (const key of ['distinct_id', 'user_id'] as const) {
    if (body[key] !== undefined && body[key] !== null && body[key] !== subject) {
      return reply(401, { error: `not authorized for this ${key}` });
    }
  }
  return body;
}

async function create(kind: TaskKind, subject: string, body: Body, options: PrivacyHandlerOptions): Promise<Response> {
  const complianceType = body.compliance_type === undefined ? (options.complianceType ?? 'GDPR') : parseComplianceType(body.compliance_type);
  if (!complianceType) return reply(400, { error: "compliance_type must be 'GDPR' or 'CCPA'" });
  const disclosure = body.disclosure_type;
  const disclosureType = disclosure === undefined ? undefined : parseDisclosureType(disclosure);
  if (disclosure !== undefined && (kind !== 'export' || !disclosureType)) {
    return reply(400, { error: "disclosure_type must be 'Data', 'Categories' or 'Sources' (exports only)" });
  }
  const wanted = { distinctIds: [subject], complianceType, ...(disclosureType ? { disclosureType } : {}) };
  const [task] = kind === 'deletion' ? await options.client.createDeletion(wanted) : await options.client.createExport(wanted);
  if (!task) throw new Error('the client created no task');
  return reply(201, view({ kind, id: task.id, status: 'PENDING', terminal: false }));
}

async function status(client: PrivacyHandlerOptions['client'], subject: string, publicId: string): Promise<Response> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(publicId);
  } catch {
    return reply(404, { error: 'no such task' });
  }
  const at = decoded.indexOf(':');
  const kind = decoded.slice(0, at);
  const id = decoded.slice(at + 1);
  if (at < 0 || !id || (kind !== 'deletion' && kind !== 'export')) return reply(404, { error: 'no such task' });
  const state = kind === 'deletion' ? await client.getDeletion(id) : await client.getExport(id);
  // Stateless ownership: the job must name the caller. A job that names nobody (the server left
  // distinct_ids out) is refused too. 404 rather than 401/403: it does not confirm the job exists.
  if (!state.distinctIds || state.distinctIds.indexOf(subject) < 0) return reply(404, { error: 'no such task' });
  return reply(200, view(state));
}

/** `POST <basePath>/opt-out`: the person's "no" reaches the servers; nothing is deleted. */
async function optOut(subject: string, suppress: Suppress | undefined, report: (e: unknown, r: Request) => void, request: Request): Promise<Response> {
  if (!suppress) return reply(501, { error: 'opt-out is turned off on this server' });
  try {
    await suppress(subject);
  } catch (error) {
    report(error, request);
    return reply(503, { error: 'the opt-out could not be recorded, try again later' });
  }
  const answer: OptOutStatus = { suppressed: true };
  return reply(200, answer);
}

/**
 * `suppress(id)` as the option says; without one, the app's default tracker (`import heed from
 * 'heed'`), found when the call is made, so the order of imports and init does not matter.
 */
function suppressorOf(option: Suppressor | SuppressionStore | undefined): Suppress {
  return async (id) => {
    const target = option ?? defaultSuppressor();
    if (!target) throw new HeedError(`${id} not suppressed: no heed tracker in this process; pass \`suppress\` (a Node tracker or a suppression store)`);
    await ('add' in target ? target.add([id]) : target.suppress(id));
  };
}

function view(state: Pick<PrivacyTaskState, 'kind' | 'id' | 'status' | 'terminal' | 'url'>): DataRequestStatus {
  return {
    id: `${state.kind}:${state.id}`,
    kind: state.kind,
    status: state.status,
    terminal: state.terminal,
    ...(state.url ? { url: state.url } : {}),
  };
}

function reply(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** Fixed-window counter per key; returns the ms to wait when over the limit, else 0. */
function windowLimiter(limit: number, windowMs: number): (key: string) => number {
  const windows = new Map<string, { start: number; count: number }>();
  let swept = Date.now();
  return (key) => {
    const now = Date.now();
    if (now - swept > windowMs) {
      // Forget finished windows now and then, so the map holds only recent callers.
      for (const [k, w] of windows) if (now - w.start >= windowMs) windows.delete(k);
      swept = now;
    }
    let w = windows.get(key);
    if (!w || now - w.start >= windowMs) windows.set(key, (w = { start: now, count: 0 }));
    w.count++;
    return w.count > limit ? w.start + windowMs - now : 0;
  };
}
