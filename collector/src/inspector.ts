import type { Route } from './http.js';
import type { Store } from './store.js';
import { INSPECTOR_HTML } from './inspector-page.js';

const SSE_POLL_MS = 250;

interface Snapshot {
  events: unknown[];
  profiles: unknown[];
  tasks: unknown[];
}

/**
 * A cheap fingerprint of everything the inspector shows: it changes when a row is added, replaced
 * or deleted, so the stream can say "changed" without diffing rows.
 */
function fingerprint(store: Store): string {
  const db = store.db;
  const row = db
    .prepare(
      `SELECT (SELECT count(*) FROM events) || ':' || (SELECT coalesce(max(id), 0) FROM events) || ':' ||
              (SELECT count(*) FROM profiles) || ':' || (SELECT coalesce(max(updated_at), 0) FROM profiles) AS f`,
    )
    .get() as { f: string };
  return row.f + ':' + taskFingerprint(store);
}

/** GDPR tasks live in a table the GDPR routes create; the inspector shows them when it exists. */
function taskTable(store: Store): string | undefined {
  const row = store.db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('gdpr_tasks', 'tasks') LIMIT 1`)
    .get() as { name: string } | undefined;
  return row?.name;
}

function taskFingerprint(store: Store): string {
  const table = taskTable(store);
  if (!table) return '';
  const row = store.db.prepare(`SELECT count(*) AS n, group_concat(status) AS s FROM ${table}`).get() as { n: number; s: string | null };
  return `${row.n}:${row.s ?? ''}`;
}

function snapshot(store: Store, q: URLSearchParams): Snapshot {
  const db = store.db;
  const distinct = q.get('distinct_id') || '';
  const event = q.get('event') || '';
  const events = db
    .prepare(
      `SELECT id, event, distinct_id, insert_id, time, properties, received_at FROM events
       WHERE (@d = '' OR distinct_id = @d) AND (@e = '' OR event LIKE '%' || @e || '%')
       ORDER BY id DESC LIMIT 200`,
    )
    .all({ d: distinct, e: event })
    .map((r) => {
      const row = r as { properties: string };
      return { ...row, properties: JSON.parse(row.properties) as unknown };
    });
  const profiles = db
    .prepare(`SELECT distinct_id, properties, updated_at FROM profiles WHERE (@d = '' OR distinct_id = @d) ORDER BY updated_at DESC LIMIT 100`)
    .all({ d: distinct })
    .map((r) => {
      const row = r as { properties: string };
      return { ...row, properties: JSON.parse(row.properties) as unknown };
    });
  const table = taskTable(store);
  const tasks = table ? db.prepare(`SELECT * FROM ${table} ORDER BY rowid DESC LIMIT 50`).all() : [];
  return { events, profiles, tasks };
}

/**
 * `GET /inspector` (and `GET /` unless a static folder is mounted there): the live inspector page;
 * `GET /api/inspector`: its data; `GET /api/stream`: changes (SSE).
 */
export const inspectorRoutes = (atRoot: boolean): Route[] => [
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
    path: /^\/api\/stream\/?$/,
    handlers: {
      GET: (ctx) => {
        const { res, req, store } = ctx;
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
      },
    },
  },
];
