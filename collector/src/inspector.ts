import type { IncomingMessage, ServerResponse } from 'node:http';
import { eventRate } from './event-rate.js';
import { contains, text } from './filter.js';
import { deletionNote, type Job } from './gdpr-jobs.js';
import { HttpError, type Route } from './http.js';
import { INSPECTOR_HTML } from './inspector-page.js';
import { personLookup, type PersonLookup } from './person.js';
import { requestsView } from './requests-view.js';
import type { Store } from './store.js';
import { personTimeline } from './timeline.js';

const SSE_POLL_MS = 250;

/**
 * A cheap fingerprint of everything the inspector shows: it changes when a row is added, replaced
 * or deleted (or a request is logged or redacted), so the stream can say "changed" without diffing rows.
 */
function fingerprint(store: Store): string {
  const row = store.db
    .prepare(
      `SELECT (SELECT count(*) FROM events) || ':' || (SELECT coalesce(max(id), 0) FROM events) || ':' ||
              (SELECT count(*) FROM profiles) || ':' || (SELECT coalesce(max(updated_at), 0) FROM profiles) || ':' ||
              (SELECT count(*) FROM requests) || ':' || (SELECT coalesce(max(id), 0) FROM requests) || ':' ||
              (SELECT coalesce(sum(redacted), 0) FROM requests) || ':' || (SELECT count(*) FROM profile_updates) AS f`,
    )
    .get() as { f: string };
  return row.f + ':' + taskFingerprint(store);
}

/** GDPR tasks live in a table the GDPR routes create; the inspector shows them when it exists. */
function hasTasks(store: Store): boolean {
  return !!store.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gdpr_tasks'`).get();
}

function taskFingerprint(store: Store): string {
  if (!hasTasks(store)) return '';
  const row = store.db.prepare(`SELECT count(*) AS n, group_concat(status) AS s FROM gdpr_tasks`).get() as { n: number; s: string | null };
  return `${row.n}:${row.s ?? ''}`;
}

const parsed = (r: unknown) => {
  const row = r as { properties: string };
  return { ...row, properties: JSON.parse(row.properties) as unknown };
};

/** The events view: the latest events and profiles matching the filters, every GDPR task, the event rate. */
function snapshot(store: Store, q: URLSearchParams) {
  const db = store.db;
  const filter = { distinct: text(q, 'distinct_id'), event: text(q, 'event') };
  const events = db
    .prepare(
      `SELECT id, token, event, distinct_id, insert_id, time, properties, received_at FROM events
       WHERE ${contains("ifnull(distinct_id, '')", 'distinct')} AND ${contains('event', 'event')}
       ORDER BY id DESC LIMIT 200`,
    )
    .all(filter)
    .map(parsed);
  const profiles = db
    .prepare(`SELECT token, distinct_id, properties, updated_at FROM profiles WHERE ${contains('distinct_id', 'distinct')} ORDER BY updated_at DESC LIMIT 100`)
    .all({ distinct: filter.distinct })
    .map(parsed);
  return { events, profiles, tasks: tasks(store), rate: eventRate(db, filter) };
}

/** Every GDPR task: whose data (distinct_ids, token), its export link (same origin as this page), what it did. */
function tasks(store: Store) {
  if (!hasTasks(store)) return [];
  const rows = store.db.prepare('SELECT * FROM gdpr_tasks ORDER BY created_at DESC, rowid DESC LIMIT 50').all() as (Omit<Job, 'distinct_ids'> & { distinct_ids: string })[];
  return rows.map((row) => {
    const job: Job = { ...row, distinct_ids: JSON.parse(row.distinct_ids) as string[] };
    return { ...job, url: job.file ? `/api/app/exports/${job.file}` : null, note: deletionNote(store.db, job) };
  });
}

/**
 * `GET /inspector` (and `GET /` unless a static folder is mounted there): the live inspector page;
 * `GET /api/inspector`: its events view; `/api/inspector/requests`: the request log;
 * `/api/inspector/timeline?distinct_id=`: one person's timeline; `GET /api/stream`: changes (SSE).
 */
export const inspectorRoutes = (atRoot: boolean): Route[] => {
  // Prepared once per database, on the first timeline asked for.
  const lookups = new WeakMap<Store, PersonLookup>();
  const person = (store: Store) => lookups.get(store) ?? lookups.set(store, personLookup(store.db)).get(store)!;
  return [
    {
      path: atRoot ? /^\/(inspector\/?)?$/ : /^\/inspector\/?$/,
      handlers: {
        GET: (ctx) => ctx.send(200, INSPECTOR_HTML, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }),
      },
    },
    {
      path: /^\/api\/inspector\/?$/,
      handlers: { GET: (ctx) => ctx.send(200, snapshot(ctx.store, ctx.url.searchParams)) },
    },
    {
      path: /^\/api\/inspector\/requests\/?$/,
      handlers: {
        GET(ctx) {
          const q = ctx.url.searchParams;
          ctx.send(200, { requests: requestsView(ctx.store.db, { distinct: text(q, 'distinct_id'), device: text(q, 'device'), path: text(q, 'path') }) });
        },
      },
    },
    {
      path: /^\/api\/inspector\/timeline\/?$/,
      handlers: {
        GET(ctx) {
          const q = ctx.url.searchParams;
          const id = text(q, 'distinct_id');
          if (!id) throw new HttpError(400, 'distinct_id is required: whose timeline?');
          ctx.send(200, personTimeline(ctx.store.db, person(ctx.store), id, text(q, 'token') || undefined));
        },
      },
    },
    { path: /^\/api\/stream\/?$/, handlers: { GET: (ctx) => stream(ctx.store, ctx.req, ctx.res) } },
  ];
};

function stream(store: Store, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  let last = '';
  const tick = () => {
    try {
      const now = fingerprint(store);
      if (now !== last) {
        last = now;
        res.write(`event: change\ndata: ${JSON.stringify(now)}\n\n`);
      }
    } catch {
      // The database is closing: the stream ends with the server.
    }
  };
  tick();
  const timer = setInterval(tick, SSE_POLL_MS);
  timer.unref();
  const stop = () => clearInterval(timer);
  req.on('close', stop);
  res.on('close', stop);
}
