import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBody } from './decode.js';
import { deletionNote, openJobs, type Job, type JobKind, type Jobs } from './gdpr-jobs.js';
import { HttpError, type Handler, type RequestContext, type Route } from './http.js';
import type { Store } from './store.js';
import { isObject } from './validate.js';

/**
 * Mixpanel's GDPR API v3 (shared/reference/mixpanel-wire.md §1, gdpr.openapi.yaml) under
 * `/api/app`, so a client's `baseUrl` is `<collector>/api/app`:
 *
 * - `POST /data-deletions/v3.0`, `POST /data-retrievals/v3.0` → 201 `{status:"ok",results:{task_id}}` (the spec's shape)
 * - `GET  /data-deletions/v3.0/{id}` → the spec's full `DeletionJobResult`
 * - `GET  /data-retrievals/v3.0/{id}` → `{status, results: <link or "">, distinct_ids}`
 * - `DELETE /data-deletions/v3.0/{id}` → 204 while PENDING/STAGING, 405 after (the docs' answer)
 * - `DELETE /data-deletions/v3.0` with `{distinct_ids}` → the docs' variant of the same
 *
 * Every path also with a trailing slash (the docs' URLs have one). Each needs `?token=<project>`
 * and `Authorization: Bearer <gdprToken>`; at most one request per `minIntervalMs` per project,
 * else 429 with `Retry-After` (the docs' rate limit, which the spec does not list). Errors use the
 * spec's `{"status":"error","error":"..."}`.
 *
 * Decisions where the spec is silent: a missing `?token=` is 400; an unknown (or another
 * project's) task id is 200 with status NOT_FOUND on GET (the spec's own status for it), 404 on
 * DELETE; up to 2000 distinct_ids per request for both kinds (the docs' larger figure; heed's
 * client sends at most 1999 deletions by default); enums are read case-insensitively.
 */

/** The default bearer token: public, so anyone who reaches the collector can delete its data. Local use only. */
export const DEV_GDPR_TOKEN = 'heed-dev-gdpr-token';
export const MAX_GDPR_IDS = 2000;
/** Who "requested" each job in status answers: the collector has no accounts. */
const REQUESTING_USER = 'owner@heed.local';

export interface GdprConfig {
  /** The bearer token every GDPR request must carry. */
  token: string;
  /** Time per job stage (PENDING → STAGING → STARTED → SUCCESS) in ms. */
  stepMs: number;
  /** Least time between two accepted requests of one project, in ms; 0 = no limit. */
  minIntervalMs: number;
  /** Where export files go; undefined = next to the database file, or a temp folder for `:memory:`. */
  exportDir: string | undefined;
  /** The database path (`:memory:` or a file), for the default export folder. */
  db: string;
}

export interface Gdpr {
  routes: Route[];
  jobs: Jobs;
  stop(): void;
}

const PATHS: Record<JobKind, string> = { deletion: 'data-deletions', retrieval: 'data-retrievals' };
const DISCLOSURES = ['Data', 'Categories', 'Sources'] as const;

export function createGdpr(store: Store, config: GdprConfig): Gdpr {
  let dir = config.exportDir;
  const exportDir = () => {
    if (dir) return dir;
    dir =
      config.db === ':memory:' || config.db === ''
        ? fs.mkdtempSync(path.join(os.tmpdir(), 'heed-exports-'))
        : path.join(path.dirname(path.resolve(config.db)), 'exports');
    return dir;
  };
  const jobs = openJobs(store, { stepMs: config.stepMs, exportDir });
  const lastAccepted = new Map<string, number>();
  const expected = Buffer.from(config.token);

  /** Auth, project token and rate limit, then the handler; errors in the spec's shape. */
  const gdpr =
    (handle: (ctx: RequestContext, project: string) => void | Promise<void>): Handler =>
    async (ctx) => {
      jobs.advance();
      try {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(String(ctx.req.headers.authorization ?? ''));
        if (!match) throw new HttpError(401, 'missing Authorization: Bearer <GDPR OAuth token>');
        const given = Buffer.from(match[1]!);
        if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
          throw new HttpError(401, 'invalid GDPR OAuth token');
        }
        const project = ctx.url.searchParams.get('token');
        if (!project) throw new HttpError(400, 'the token query parameter (project token) is required');
        const now = Date.now();
        const wait = (lastAccepted.get(project) ?? -Infinity) + config.minIntervalMs - now;
        if (config.minIntervalMs > 0 && wait > 0) {
          throw new HttpError(429, 'rate limit exceeded: 1 request per second for the GDPR API', { 'retry-after': String(Math.ceil(wait / 1000)) });
        }
        lastAccepted.set(project, now);
        await handle(ctx, project);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        ctx.send(error.status, { status: 'error', error: error.message }, error.headers);
      }
    };

  const create = (kind: JobKind) =>
    gdpr(async (ctx, project) => {
      const body = parseJson(await readBody(ctx.req, ctx.maxBodyBytes));
      const ids = body.distinct_ids;
      if (!Array.isArray(ids) || ids.length === 0) throw new HttpError(400, 'distinct_ids must be a non-empty array of strings');
      if (ids.length > MAX_GDPR_IDS) throw new HttpError(400, `too many distinct_ids: ${ids.length}, the limit is ${MAX_GDPR_IDS}`);
      if (!ids.every((id): id is string => typeof id === 'string' && id !== '')) {
        throw new HttpError(400, 'every distinct_id must be a non-empty string');
      }
      const compliance = body.compliance_type === undefined ? 'GDPR' : String(body.compliance_type).toUpperCase();
      if (compliance !== 'GDPR' && compliance !== 'CCPA') throw new HttpError(400, "compliance_type must be 'GDPR' or 'CCPA'");
      let disclosure: Job['disclosure_type'] = null;
      if (kind === 'retrieval' && body.disclosure_type !== undefined) {
        disclosure = DISCLOSURES.find((d) => d.toLowerCase() === String(body.disclosure_type).toLowerCase()) ?? null;
        if (!disclosure) throw new HttpError(400, "disclosure_type must be 'Data', 'Categories' or 'Sources'");
      }
      const job = jobs.create(kind, project, [...new Set(ids)], compliance, disclosure);
      ctx.meta.items = ids.length;
      ctx.meta.distinctIds = [...new Set(ids)];
      ctx.send(201, { status: 'ok', results: { task_id: job.id } });
    });

  const status = (kind: JobKind) =>
    gdpr((ctx, project) => {
      const id = ctx.params[0]!;
      const found = jobs.get(id);
      const job = found && found.kind === kind && found.token === project ? found : undefined;
      if (kind === 'retrieval') {
        ctx.send(200, {
          status: 'ok',
          results: {
            status: job?.status ?? 'NOT_FOUND',
            results: job?.file ? exportUrl(ctx, job.file) : '',
            distinct_ids: job?.distinct_ids ?? [],
          },
        });
        return;
      }
      ctx.send(200, {
        status: 'ok',
        results: {
          tracking_id: id,
          status: job?.status ?? 'NOT_FOUND',
          requesting_user: job ? REQUESTING_USER : '',
          compliance_type: job?.compliance_type ?? '',
          project_id: projectId(project),
          date_requested: job ? new Date(job.created_at).toISOString().slice(0, 19) : '',
          distinct_ids: job?.distinct_ids ?? [],
        },
      });
    });

  const cancel = gdpr((ctx, project) => {
    const id = ctx.params[0]!;
    const job = jobs.get(id);
    if (!job || job.kind !== 'deletion' || job.token !== project) throw new HttpError(404, `no deletion task '${id}'`);
    const outcome = jobs.cancel(id);
    if (outcome === 'not_cancellable') throw new HttpError(405, `task '${id}' is ${jobs.get(id)?.status}: it can only be cancelled before STARTED`);
    ctx.send(204, '');
  });

  /** The docs' cancel: `DELETE /data-deletions/v3.0/` with a `{distinct_ids}` body. */
  const cancelByIds = gdpr(async (ctx, project) => {
    const ids = parseJson(await readBody(ctx.req, ctx.maxBodyBytes)).distinct_ids;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new HttpError(400, 'distinct_ids must be an array of strings');
    const { revoked, matched } = jobs.cancelFor(project, ids as string[]);
    if (!matched) throw new HttpError(404, 'no deletion task names these distinct_ids');
    if (!revoked) throw new HttpError(405, 'no deletion task for these distinct_ids can be cancelled any more');
    ctx.send(204, '');
  });

  const version = (kind: JobKind, rest = '') => new RegExp(`^/api/app/${PATHS[kind]}/v3\\.0${rest}/?$`);
  const routes: Route[] = [
    { path: version('deletion'), log: true, handlers: { POST: create('deletion'), DELETE: cancelByIds } },
    { path: version('deletion', '/([^/]+)'), log: true, handlers: { GET: status('deletion'), DELETE: cancel } },
    { path: version('retrieval'), log: true, handlers: { POST: create('retrieval') } },
    { path: version('retrieval', '/([^/]+)'), log: true, handlers: { GET: status('retrieval') } },
    {
      // The download link: unguessable, unauthenticated, like a signed storage URL.
      path: /^\/api\/app\/exports\/([^/]+)$/,
      handlers: {
        GET(ctx) {
          const file = jobs.exportFile(ctx.params[0]!);
          if (!file) throw new HttpError(404, 'no such export');
          ctx.send(200, fs.readFileSync(file), {
            'content-type': 'application/json; charset=utf-8',
            'content-disposition': `attachment; filename="${ctx.params[0]}"`,
          });
        },
      },
    },
    {
      // Read API for tests and the inspector: every job, with its export link.
      path: /^\/api\/tasks\/?$/,
      handlers: {
        GET(ctx) {
          jobs.advance();
          const q = ctx.url.searchParams;
          const filter = { kind: q.get('kind') ?? undefined, status: q.get('status') ?? undefined, token: q.get('token') ?? undefined };
          ctx.send(200, { tasks: jobs.list(filter).map((job) => view(ctx, job)) });
        },
      },
    },
    {
      path: /^\/api\/tasks\/([^/]+)\/?$/,
      handlers: {
        GET(ctx) {
          jobs.advance();
          const job = jobs.get(ctx.params[0]!);
          if (!job) throw new HttpError(404, `no task '${ctx.params[0]}'`);
          ctx.send(200, view(ctx, job));
        },
      },
    },
  ];
  return { routes, jobs, stop: () => jobs.stop() };
}

function parseJson(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body must be JSON');
  }
  if (!isObject(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value;
}

/** Absolute, on the host the client used, so it works behind whatever address it reached us at. */
function exportUrl(ctx: RequestContext, file: string): string {
  const host = typeof ctx.req.headers.host === 'string' && ctx.req.headers.host ? ctx.req.headers.host : ctx.url.host;
  return `http://${host}/api/app/exports/${file}`;
}

function view(ctx: RequestContext, job: Job) {
  return { ...job, url: job.file ? exportUrl(ctx, job.file) : null, note: deletionNote(ctx.store.db, job) };
}

/** A stable numeric project id per project token (the spec's `project_id` is a number). */
function projectId(token: string): number {
  return crypto.createHash('sha256').update(token).digest().readUInt32BE(0) >>> 1;
}
