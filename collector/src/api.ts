import { HttpError, type Route } from './http.js';
import type { EventFilter } from './store.js';

/**
 * The JSON read API that tests and the demo use to see what arrived.
 *
 * `GET /api/events?distinct_id=&event=&token=&since=&limit=`: `since` is an event **id** (return
 * ids above it), not a time: ids are unique and only grow, where two batches can share a
 * millisecond. A de-duplicated event gets a new id when its latest copy replaces the old one.
 */
export const apiRoutes: Route[] = [
  {
    path: /^\/api\/events\/?$/,
    handlers: {
      GET(ctx) {
        const q = ctx.url.searchParams;
        const filter: EventFilter = {};
        const text = (name: string) => q.get(name) ?? undefined;
        filter.distinctId = text('distinct_id');
        filter.event = text('event');
        filter.token = text('token');
        filter.since = count(q, 'since');
        filter.limit = count(q, 'limit');
        ctx.send(200, { events: ctx.store.events(filter) });
      },
    },
  },
  {
    path: /^\/api\/profiles\/([^/]+)\/?$/,
    handlers: {
      GET(ctx) {
        const profile = ctx.store.profile(ctx.params[0]!, ctx.url.searchParams.get('token') ?? undefined);
        if (!profile) throw new HttpError(404, `no profile for distinct_id '${ctx.params[0]}'`);
        ctx.send(200, profile);
      },
    },
  },
  {
    path: /^\/api\/groups\/([^/]+)\/([^/]+)\/?$/,
    handlers: {
      GET(ctx) {
        const [key, id] = ctx.params as [string, string];
        const group = ctx.store.group(key, id, ctx.url.searchParams.get('token') ?? undefined);
        if (!group) throw new HttpError(404, `no group '${key}' = '${id}'`);
        ctx.send(200, group);
      },
    },
  },
  {
    path: /^\/api\/requests\/?$/,
    handlers: {
      GET(ctx) {
        const q = ctx.url.searchParams;
        ctx.send(200, { requests: ctx.store.requests({ path: q.get('path') ?? undefined, method: q.get('method') ?? undefined }) });
      },
    },
  },
  {
    path: /^\/api\/reset\/?$/,
    handlers: {
      POST(ctx) {
        ctx.store.reset();
        ctx.send(200, { status: 1, error: null });
      },
    },
  },
];

function count(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, `${name} must be a non-negative integer`);
  return Number(value);
}
