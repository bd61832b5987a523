import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEDUPE_SCHEMA, openDedupe } from './dedupe.js';
import { groupCommit } from './group-commit.js';
import { ENDPOINTS, type Endpoint } from './options.js';
import { purgeRows } from './spool-purge.js';

/**
 * The relay's durable spool: one SQLite table per endpoint, rows in acceptance order.
 *
 * Decisions:
 * - Durable before the reply, power cuts included: WAL with `synchronous = NORMAL` (SQLite syncs
 *   at checkpoints, so the file stays consistent) plus our own `fdatasync` of the WAL after every
 *   group commit, before any of its requests is answered: the same bytes on disk as `FULL`, but
 *   the wait runs on libuv's thread pool instead of blocking the event loop inside the commit.
 *   (`FULL` made every commit stall the loop for its fsync: half the throughput on this disk.)
 * - AUTOINCREMENT ids are never reused, so "everything of this endpoint up to id N" names exactly
 *   the rows of one forwarded batch, even after a purge removed the newest rows.
 * - `/track` items are de-duplicated by dedupe.ts; `dedupe` holds the item's key.
 * - Items the upstream refused for good are moved to `rejected` (with status and error), never
 *   dropped unseen.
 */
export interface SpoolRow {
  token: string;
  distinctId: string | null;
  userId: string | null;
  deviceId: string | null;
  /** The de-duplication key, or null (never de-duplicated). */
  dedupe: string | null;
  /** The item as forwarded, JSON. */
  item: string;
}

export interface SpooledItem {
  id: number;
  item: string;
}

export interface Waiting {
  count: number;
  /** Acceptance time (epoch ms) of the oldest waiting item, or null when none waits. */
  oldestAt: number | null;
}

/** Items the upstream refused for good: the HTTP status, and each item's error. */
export interface Rejection {
  status: number;
  items: Array<{ id: number; error: string }>;
}

export interface Spool {
  /** Commit rows (one group commit per event-loop turn); resolves once they are on disk. */
  append(endpoint: Endpoint, rows: SpoolRow[]): Promise<{ added: number; duplicates: number }>;
  /** The oldest waiting items of an endpoint, in order. */
  peek(endpoint: Endpoint, limit: number): SpooledItem[];
  /** Remove the endpoint's items up to `lastId` (forwarded); `rejected.items` of them are kept in `rejected`. */
  settle(endpoint: Endpoint, lastId: number, rejected?: Rejection): Promise<void>;
  /** Delete every waiting (and rejected) item of these people (spool-purge.ts); resolves with how many waited. */
  purge(token: string, distinctIds: readonly string[]): Promise<number>;
  waiting(endpoint: Endpoint): Waiting;
  /** Checkpoint the WAL and close the file. */
  close(): void;
}

export interface SpoolOptions {
  /** How long the keys of forwarded `/track` items are remembered, in ms; 0 = not at all. */
  dedupeWindowMs: number;
}

const table = (endpoint: Endpoint) => `spool_${endpoint}`;
const COLUMNS = `id INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL, distinct_id TEXT, user_id TEXT,
  device_id TEXT, dedupe TEXT, item TEXT NOT NULL, at INTEGER NOT NULL`;
const SCHEMA = `
${ENDPOINTS.map((e) => `CREATE TABLE IF NOT EXISTS ${table(e)} (${COLUMNS});`).join('\n')}
CREATE TABLE IF NOT EXISTS rejected (${COLUMNS}, endpoint TEXT NOT NULL, status INTEGER NOT NULL, error TEXT NOT NULL, rejected_at INTEGER NOT NULL);
${DEDUPE_SCHEMA}
`;

export function openSpool(file: string, options: SpoolOptions): Spool {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  const sync = walSync(file);
  const dedupe = openDedupe(db, options.dedupeWindowMs);
  const counts = Object.fromEntries(ENDPOINTS.map((e) => [e, db.prepare(`SELECT count(*) FROM ${table(e)}`).pluck().get() as number])) as Record<
    Endpoint,
    number
  >;
  const sql = Object.fromEntries(ENDPOINTS.map((e) => [e, statements(db, e)])) as Record<Endpoint, Statements>;

  type Input = { endpoint: Endpoint; rows: SpoolRow[] };
  const insertAll = db.transaction((inputs: Input[], claimed: string[]) => {
    const at = Date.now();
    return inputs.map(({ endpoint, rows }) => {
      let added = 0;
      for (const r of rows) {
        if (r.dedupe !== null) {
          if (!dedupe.claim(r.dedupe)) continue;
          claimed.push(r.dedupe);
        }
        sql[endpoint].insert.run(r.token, r.distinctId, r.userId, r.deviceId, r.dedupe, r.item, at);
        added++;
      }
      return { endpoint, added, duplicates: rows.length - added };
    });
  });
  const append = groupCommit<Input, { added: number; duplicates: number }>((inputs) => {
    const claimed: string[] = [];
    try {
      const results = insertAll(inputs, claimed);
      for (const r of results) counts[r.endpoint] += r.added;
      return results;
    } catch (error) {
      dedupe.release(claimed);
      throw error;
    }
  }, sync);

  const settle = db.transaction((endpoint: Endpoint, lastId: number, rejected?: Rejection) => {
    const now = Date.now();
    for (const { id, error } of rejected?.items ?? []) sql[endpoint].reject.run(endpoint, rejected!.status, error, now, id);
    if (endpoint === 'track') dedupe.forwarded(lastId, now);
    counts[endpoint] -= sql[endpoint].removeUpTo.run(lastId).changes;
  });

  return {
    append: (endpoint, rows) => append({ endpoint, rows }),
    peek: (endpoint, limit) => sql[endpoint].peek.all(limit) as SpooledItem[],
    settle(endpoint, lastId, rejected) {
      settle(endpoint, lastId, rejected);
      return sync();
    },
    async purge(token, distinctIds) {
      let removed = 0;
      for (const endpoint of ['track', 'engage'] as const) {
        const n = await purgeRows(db, table(endpoint), token, distinctIds);
        counts[endpoint] -= n;
        removed += n;
      }
      await purgeRows(db, 'rejected', token, distinctIds);
      await sync();
      return removed;
    },
    waiting(endpoint) {
      const oldest = sql[endpoint].oldest.get() as number | undefined;
      return { count: counts[endpoint], oldestAt: oldest ?? null };
    },
    close() {
      sync.close();
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/**
 * `fdatasync` of the WAL file on the thread pool. One in flight at a time: a call made while one
 * runs waits for the next, which starts after it and so covers every commit made before the call.
 */
function walSync(file: string): (() => Promise<void>) & { close(): void } {
  const fd = fs.openSync(`${file}-wal`, 'r+');
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const once = () =>
    new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()))).finally(() => {
      running = undefined;
    });
  const sync = () => {
    if (!running) return (running = once());
    queued ??= running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      queued = undefined;
      return (running = once());
    });
    return queued;
  };
  return Object.assign(sync, { close: () => fs.closeSync(fd) });
}

interface Statements {
  insert: Database.Statement;
  peek: Database.Statement;
  removeUpTo: Database.Statement;
  /** Copy one row to `rejected`: (endpoint, status, error, rejected_at, id). */
  reject: Database.Statement;
  oldest: Database.Statement;
}

function statements(db: Database.Database, endpoint: Endpoint): Statements {
  const t = table(endpoint);
  return {
    insert: db.prepare(`INSERT INTO ${t} (token, distinct_id, user_id, device_id, dedupe, item, at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    peek: db.prepare(`SELECT id, item FROM ${t} ORDER BY id LIMIT ?`),
    removeUpTo: db.prepare(`DELETE FROM ${t} WHERE id <= ?`),
    reject: db.prepare(
      `INSERT INTO rejected (token, distinct_id, user_id, device_id, dedupe, item, at, endpoint, status, error, rejected_at)
       SELECT token, distinct_id, user_id, device_id, dedupe, item, at, ?, ?, ?, ? FROM ${t} WHERE id = ?`,
    ),
    oldest: db.prepare(`SELECT at FROM ${t} ORDER BY id LIMIT 1`).pluck(),
  };
}
