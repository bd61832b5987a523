import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEDUPE_SCHEMA, openDedupe } from './dedupe.js';
import { ENDPOINTS, type Endpoint } from './options.js';
import { purgePerson } from './spool-purge.js';
import { walSync } from './wal-sync.js';

/**
 * The spool's SQLite file and every statement run on it, synchronous; it runs in the spool's
 * worker thread (spool-worker.ts), so no commit, fsync or checkpoint ever stalls the HTTP loop.
 *
 * Decisions:
 * - Durable before any answer, power cuts included: WAL with `synchronous = NORMAL` plus an
 *   fdatasync of the WAL after every commit (wal-sync.ts), awaited before the caller hears back;
 *   group commit makes one fsync serve every request of a turn.
 * - One table per endpoint, rows in acceptance order, only the columns forwarding needs (every
 *   extra column cost each insert; the person a purge looks for is read from the item).
 * - AUTOINCREMENT ids are never reused, so "everything of this endpoint up to id N" names exactly
 *   the rows of one forwarded batch, even after a purge removed the newest rows.
 * - `/track` items are de-duplicated by dedupe.ts; `dedupe` holds the item's key.
 * - Items the upstream refused for good are moved to `rejected` (with status and error), never
 *   dropped unseen.
 */
export interface SpoolRow {
  /** The de-duplication key (dedupe.ts), or null: never de-duplicated. */
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

export interface AppendInput {
  endpoint: Endpoint;
  rows: SpoolRow[];
}

export interface AppendResult {
  added: number;
  duplicates: number;
}

export interface StoreOptions {
  /** How long the keys of forwarded `/track` items are remembered, in ms; 0 = not at all. */
  dedupeWindowMs: number;
}

export interface SpoolStore {
  /** Several requests' rows in one transaction; for each: how many were new, how many duplicates. */
  appendAll(inputs: AppendInput[]): AppendResult[];
  /** Resolves once every commit made so far is on disk. */
  sync(): Promise<void>;
  /** The oldest waiting items of an endpoint, in order. */
  peek(endpoint: Endpoint, limit: number): SpooledItem[];
  /** Remove the endpoint's items up to `lastId` (forwarded); `rejected.items` of them are kept in `rejected`. */
  settle(endpoint: Endpoint, lastId: number, rejected?: Rejection): void;
  /** Delete every waiting (and rejected) item of these people (spool-purge.ts); resolves with how many waited. */
  purge(token: string, distinctIds: readonly string[]): Promise<number>;
  waiting(): Record<Endpoint, Waiting>;
  /** Checkpoint the WAL and close the file. */
  close(): void;
}

const table = (endpoint: Endpoint) => `spool_${endpoint}`;
const COLUMNS = 'id INTEGER PRIMARY KEY AUTOINCREMENT, dedupe TEXT, item TEXT NOT NULL, at INTEGER NOT NULL';
/** Rows per INSERT statement: one statement for many rows costs a third less per row than one each. */
const ROWS_PER_INSERT = 64;
const SCHEMA = `
${ENDPOINTS.map((e) => `CREATE TABLE IF NOT EXISTS ${table(e)} (${COLUMNS});`).join('\n')}
CREATE TABLE IF NOT EXISTS rejected (${COLUMNS}, endpoint TEXT NOT NULL, status INTEGER NOT NULL, error TEXT NOT NULL, rejected_at INTEGER NOT NULL);
${DEDUPE_SCHEMA}
`;
const PURGE_SOURCES = [
  { table: table('track'), endpoint: 'track' },
  { table: table('engage'), endpoint: 'engage' },
  { table: 'rejected', endpoint: 'track' },
  { table: 'rejected', endpoint: 'engage' },
] as const;

export function openStore(file: string, options: StoreOptions): SpoolStore {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  const sync = walSync(file);
  const dedupe = openDedupe(db, options.dedupeWindowMs);
  const count = (e: Endpoint) => db.prepare(`SELECT count(*) FROM ${table(e)}`).pluck().get() as number;
  const counts = { track: count('track'), engage: count('engage'), groups: count('groups') };
  const sql = { track: statements(db, 'track'), engage: statements(db, 'engage'), groups: statements(db, 'groups') };

  const insertAll = db.transaction((inputs: AppendInput[], claimed: string[]) => {
    const at = Date.now();
    const fresh: Record<Endpoint, SpoolRow[]> = { track: [], engage: [], groups: [] };
    const results = inputs.map(({ endpoint, rows }) => {
      const before = fresh[endpoint].length;
      for (const r of rows) {
        if (r.dedupe !== null) {
          if (!dedupe.claim(r.dedupe)) continue;
          claimed.push(r.dedupe);
        }
        fresh[endpoint].push(r);
      }
      const added = fresh[endpoint].length - before;
      return { added, duplicates: rows.length - added };
    });
    for (const endpoint of ENDPOINTS) insertRows(sql[endpoint], fresh[endpoint], at);
    return { results, fresh };
  });

  const settle = db.transaction((endpoint: Endpoint, lastId: number, rejected?: Rejection) => {
    const now = Date.now();
    for (const { id, error } of rejected?.items ?? []) sql[endpoint].reject.run(endpoint, rejected!.status, error, now, id);
    if (endpoint === 'track') dedupe.forwarded(lastId, now);
    counts[endpoint] -= sql[endpoint].removeUpTo.run(lastId).changes;
  });

  return {
    appendAll(inputs) {
      const claimed: string[] = [];
      try {
        const { results, fresh } = insertAll(inputs, claimed);
        for (const endpoint of ENDPOINTS) counts[endpoint] += fresh[endpoint].length;
        return results;
      } catch (error) {
        // Rolled back: the keys it took are free again, or a re-send would be lost as a "duplicate".
        dedupe.release(claimed);
        throw error;
      }
    },
    sync,
    peek: (endpoint, limit) => sql[endpoint].peek.all(limit) as SpooledItem[],
    settle: (endpoint, lastId, rejected) => settle(endpoint, lastId, rejected),
    async purge(token, distinctIds) {
      const [track = 0, engage = 0] = await purgePerson(db, [...PURGE_SOURCES], token, distinctIds);
      counts.track -= track;
      counts.engage -= engage;
      return track + engage;
    },
    waiting() {
      const one = (e: Endpoint): Waiting => ({ count: counts[e], oldestAt: (sql[e].oldest.get() as number | undefined) ?? null });
      return { track: one('track'), engage: one('engage'), groups: one('groups') };
    },
    close() {
      sync.close();
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/** Rows in order, {@link ROWS_PER_INSERT} to a statement. */
function insertRows(sql: Statements, rows: SpoolRow[], at: number): void {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const slice = rows.slice(i, i + ROWS_PER_INSERT);
    const values: Array<string | number | null> = [];
    for (const r of slice) values.push(r.dedupe, r.item, at);
    sql.insert(slice.length).run(values);
  }
}

interface Statements {
  /** The INSERT statement for `n` rows (prepared once per size). */
  insert(n: number): Database.Statement;
  peek: Database.Statement;
  removeUpTo: Database.Statement;
  /** Copy one row to `rejected`: (endpoint, status, error, rejected_at, id). */
  reject: Database.Statement;
  oldest: Database.Statement;
}

function statements(db: Database.Database, endpoint: Endpoint): Statements {
  const t = table(endpoint);
  const inserts = new Map<number, Database.Statement>();
  return {
    insert(n) {
      let statement = inserts.get(n);
      if (!statement) inserts.set(n, (statement = db.prepare(`INSERT INTO ${t} (dedupe, item, at) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`)));
      return statement;
    },
    peek: db.prepare(`SELECT id, item FROM ${t} ORDER BY id LIMIT ?`),
    removeUpTo: db.prepare(`DELETE FROM ${t} WHERE id <= ?`),
    reject: db.prepare(
      `INSERT INTO rejected (dedupe, item, at, endpoint, status, error, rejected_at)
       SELECT dedupe, item, at, ?, ?, ?, ? FROM ${t} WHERE id = ?`,
    ),
    oldest: db.prepare(`SELECT at FROM ${t} ORDER BY id LIMIT 1`).pluck(),
  };
}
