import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEDUPE_SCHEMA, openDedupe, type Dedupe } from './dedupe.js';
import { ENDPOINTS, type Endpoint } from './options.js';
import { purgePerson } from './spool-purge.js';
import { walSync } from './wal-sync.js';

/**
 * The spool's SQLite file and every statement run on it, synchronous (spool.ts runs it in steps).
 *
 * Decisions:
 * - Durable before any answer, power cuts included: WAL with `synchronous = NORMAL` plus an
 *   fdatasync of the WAL after every commit (wal-sync.ts), awaited before the caller hears back;
 *   group commit makes one fsync serve every request of a turn.
 * - One table per endpoint, rows in acceptance order, only the columns forwarding needs (every
 *   extra column cost each insert; the person a purge looks for is read from the item).
 * - AUTOINCREMENT ids are never reused, so "everything of this endpoint up to id N" names exactly
 *   the rows of one forwarded batch, even after a purge removed the newest rows.
 * - A 2xx moves the endpoint's `forwarded_up_to` mark (one row in `sent`): cheap, so the commits
 *   of new items never queue behind the removal of a 2000-item batch. Rows at or below the mark
 *   are removed afterwards, a few hundred at a time ({@link SpoolStore.prune}).
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
  /** The oldest waiting items of an endpoint after id `after`, in order. */
  peek(endpoint: Endpoint, after: number, limit: number): SpooledItem[];
  /** The endpoint's items up to `lastId` were forwarded; `rejected.items` of them are kept in `rejected`. */
  settle(endpoint: Endpoint, lastId: number, rejected?: Rejection): void;
  /** Remove up to `limit` forwarded rows of an endpoint (their keys go to dedupe.ts); how many went. */
  prune(endpoint: Endpoint, limit: number): number;
  /** Delete every waiting (and rejected) item of these people (spool-purge.ts); resolves with how many waited. */
  purge(token: string, distinctIds: readonly string[]): Promise<number>;
  waiting(): Record<Endpoint, Waiting>;
  /** Checkpoint the WAL and close the file. */
  close(): void;
}

const table = (endpoint: Endpoint) => `spool_${endpoint}`;
const COLUMNS = 'id INTEGER PRIMARY KEY AUTOINCREMENT, dedupe TEXT, item TEXT NOT NULL, at INTEGER NOT NULL';
/** WAL pages (4 KiB) between two automatic checkpoints (SQLite's default: 1000). */
const CHECKPOINT_PAGES = 256;
/** Rows per INSERT statement: one statement for many rows costs a third less per row than one each. */
const ROWS_PER_INSERT = 64;
const SCHEMA = `
${ENDPOINTS.map((e) => `CREATE TABLE IF NOT EXISTS ${table(e)} (${COLUMNS});`).join('\n')}
CREATE TABLE IF NOT EXISTS rejected (${COLUMNS}, endpoint TEXT NOT NULL, status INTEGER NOT NULL, error TEXT NOT NULL, rejected_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sent (endpoint TEXT PRIMARY KEY, forwarded_up_to INTEGER NOT NULL);
${DEDUPE_SCHEMA}
`;

export function openStore(file: string, options: StoreOptions): SpoolStore {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A checkpoint (copy the WAL into the file, fsync it) stalls the commit that runs it, ~20 ms per
  // 4 MB on a loaded disk: a quarter of SQLite's default size keeps each stall short.
  db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
  db.exec(SCHEMA);
  const sync = walSync(file);
  const dedupe = openDedupe(db, options.dedupeWindowMs);
  const sql = { track: statements(db, 'track'), engage: statements(db, 'engage'), groups: statements(db, 'groups') };
  const mark = (e: Endpoint) => (db.prepare('SELECT forwarded_up_to FROM sent WHERE endpoint = ?').pluck().get(e) as number | undefined) ?? 0;
  const marks = { track: mark('track'), engage: mark('engage'), groups: mark('groups') };
  const count = (e: Endpoint) => db.prepare(`SELECT count(*) FROM ${table(e)} WHERE id > ?`).pluck().get(marks[e]) as number;
  const state: State = { marks, counts: { track: count('track'), engage: count('engage'), groups: count('groups') } };
  return {
    appendAll: appender(db, sql, dedupe, state),
    sync,
    peek: (endpoint, after, limit) => sql[endpoint].peek.all(Math.max(after, marks[endpoint]), limit) as SpooledItem[],
    ...forwarding(db, sql, dedupe, state),
    purge: (token, distinctIds) => purge(db, state, token, distinctIds),
    waiting() {
      const one = (e: Endpoint): Waiting => ({ count: state.counts[e], oldestAt: (sql[e].oldest.get(marks[e]) as number | undefined) ?? null });
      return { track: one('track'), engage: one('engage'), groups: one('groups') };
    },
    close() {
      sync.close();
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/** Per endpoint: the forwarded mark (ids at or below it were forwarded) and how many rows wait above it. */
interface State {
  marks: Record<Endpoint, number>;
  counts: Record<Endpoint, number>;
}
type Sql = Record<Endpoint, Statements>;

function appender(db: Database.Database, sql: Sql, dedupe: Dedupe, state: State): SpoolStore['appendAll'] {
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
  return (inputs) => {
    const claimed: string[] = [];
    try {
      const { results, fresh } = insertAll(inputs, claimed);
      for (const endpoint of ENDPOINTS) state.counts[endpoint] += fresh[endpoint].length;
      return results;
    } catch (error) {
      // Rolled back: the keys it took are free again, or a re-send would be lost as a "duplicate".
      dedupe.release(claimed);
      throw error;
    }
  };
}

/** Moving the mark after a 2xx, and removing the rows it passed a step at a time. */
function forwarding(db: Database.Database, sql: Sql, dedupe: Dedupe, state: State): Pick<SpoolStore, 'settle' | 'prune'> {
  const setMark = db.prepare('INSERT INTO sent (endpoint, forwarded_up_to) VALUES (?, ?) ON CONFLICT (endpoint) DO UPDATE SET forwarded_up_to = excluded.forwarded_up_to');
  /** Returns how many waiting rows the mark passed; the in-memory state changes only once committed. */
  const settle = db.transaction((endpoint: Endpoint, lastId: number, rejected?: Rejection): number => {
    const now = Date.now();
    for (const { id, error } of rejected?.items ?? []) sql[endpoint].reject.run(endpoint, rejected!.status, error, now, id);
    setMark.run(endpoint, lastId);
    return sql[endpoint].between.get(state.marks[endpoint], lastId) as number;
  });
  const prune = db.transaction((endpoint: Endpoint, limit: number) => {
    const last = sql[endpoint].pruneEnd.get(state.marks[endpoint], limit - 1) as number | undefined;
    const upTo = last ?? state.marks[endpoint];
    if (endpoint === 'track') dedupe.forwarded(upTo, Date.now());
    return sql[endpoint].removeUpTo.run(upTo).changes;
  });
  return {
    settle(endpoint, lastId, rejected) {
      state.counts[endpoint] -= settle(endpoint, lastId, rejected);
      state.marks[endpoint] = lastId;
    },
    prune: (endpoint, limit) => prune(endpoint, limit),
  };
}

async function purge(db: Database.Database, state: State, token: string, distinctIds: readonly string[]): Promise<number> {
  const sources = [
    { table: table('track'), endpoint: 'track', waitingAbove: () => state.marks.track },
    { table: table('engage'), endpoint: 'engage', waitingAbove: () => state.marks.engage },
    { table: 'rejected', endpoint: 'track', waitingAbove: () => Infinity },
    { table: 'rejected', endpoint: 'engage', waitingAbove: () => Infinity },
  ] as const;
  const [track = 0, engage = 0] = await purgePerson(db, [...sources], token, distinctIds);
  state.counts.track -= track;
  state.counts.engage -= engage;
  return track + engage;
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
  /** (after, limit) → rows. */
  peek: Database.Statement;
  /** (from, to) → the number of rows with from < id ≤ to. */
  between: Database.Statement;
  /** (mark, offset) → the id `offset` rows into those at or below the mark: where a prune step ends. */
  pruneEnd: Database.Statement;
  removeUpTo: Database.Statement;
  /** Copy one row to `rejected`: (endpoint, status, error, rejected_at, id). */
  reject: Database.Statement;
  /** (mark) → when the oldest waiting row came. */
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
    peek: db.prepare(`SELECT id, item FROM ${t} WHERE id > ? ORDER BY id LIMIT ?`),
    between: db.prepare(`SELECT count(*) FROM ${t} WHERE id > ? AND id <= ?`).pluck(),
    pruneEnd: db.prepare(`SELECT id FROM ${t} WHERE id <= ? ORDER BY id LIMIT 1 OFFSET ?`).pluck(),
    removeUpTo: db.prepare(`DELETE FROM ${t} WHERE id <= ?`),
    reject: db.prepare(
      `INSERT INTO rejected (dedupe, item, at, endpoint, status, error, rejected_at)
       SELECT dedupe, item, at, ?, ?, ?, ? FROM ${t} WHERE id = ?`,
    ),
    oldest: db.prepare(`SELECT at FROM ${t} WHERE id > ? ORDER BY id LIMIT 1`).pluck(),
  };
}
