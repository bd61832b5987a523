import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { applyOperation } from './ops.js';
import type { EventRecord, GroupUpdate, ProfileUpdate, Props } from './validate.js';

/**
 * The collector's SQLite schema and every statement run against it.
 *
 * Decisions:
 * - Event ids are AUTOINCREMENT and never reused, not even after `/api/reset`, so a poller's
 *   `since=<id>` cannot miss rows.
 * - De-duplication is the UNIQUE index on (distinct_id, event, $insert_id) with `INSERT OR
 *   REPLACE`: the latest copy wins (Mixpanel keeps the latest) and gets a fresh id, so pollers
 *   see it. SQLite treats NULLs as distinct, so events without `$insert_id` are always stored; an
 *   absent distinct_id counts as '' so those events de-duplicate too.
 * - Profiles and groups are keyed by project token as well: two projects may share a
 *   distinct_id, as in Mixpanel, where profiles live per project.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token TEXT NOT NULL,
  event TEXT NOT NULL,
  distinct_id TEXT,
  insert_id TEXT,
  time REAL,
  properties TEXT NOT NULL,
  ip TEXT,
  received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_dedupe ON events (ifnull(distinct_id, ''), event, insert_id);
CREATE TABLE IF NOT EXISTS profiles (
  token TEXT NOT NULL,
  distinct_id TEXT NOT NULL,
  properties TEXT NOT NULL,
  ip TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (token, distinct_id)
);
CREATE INDEX IF NOT EXISTS profiles_distinct_id ON profiles (distinct_id);
CREATE TABLE IF NOT EXISTS groups (
  token TEXT NOT NULL,
  group_key TEXT NOT NULL,
  group_id TEXT NOT NULL,
  properties TEXT NOT NULL,
  ip TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (token, group_key, group_id)
);
CREATE INDEX IF NOT EXISTS groups_key_id ON groups (group_key, group_id);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  query TEXT NOT NULL,
  status INTEGER NOT NULL,
  items INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  origin TEXT,
  error TEXT
);
`;

export interface StoredEvent {
  id: number;
  token: string;
  event: string;
  distinct_id: string | null;
  insert_id: string | null;
  time: number | null;
  properties: Props;
  ip: string | null;
  received_at: number;
}

export interface StoredProfile {
  token: string;
  distinct_id: string;
  properties: Props;
  ip: string | null;
  updated_at: number;
}

export interface StoredGroup {
  token: string;
  group_key: string;
  group_id: string;
  properties: Props;
  ip: string | null;
  updated_at: number;
}

export interface RequestLog {
  at: number;
  method: string;
  path: string;
  query: string;
  status: number;
  items: number;
  bytes: number;
  origin: string | null;
  error: string | null;
}

export interface EventFilter {
  token?: string;
  distinctId?: string;
  event?: string;
  /** Only events with an id above this. */
  since?: number;
  limit?: number;
}

export interface Store {
  readonly db: Database.Database;
  insertEvents(records: EventRecord[], ip: string | null, at: number): void;
  updateProfiles(updates: ProfileUpdate[], ip: string | null, at: number): void;
  updateGroups(updates: GroupUpdate[], ip: string | null, at: number): void;
  logRequest(entry: RequestLog): void;
  events(filter: EventFilter): StoredEvent[];
  profile(distinctId: string, token?: string): StoredProfile | undefined;
  group(groupKey: string, groupId: string, token?: string): StoredGroup | undefined;
  requests(filter: { path?: string; method?: string }): (RequestLog & { id: number })[];
  reset(): void;
  close(): void;
}

type Row = { properties: string; ip: string | null };

/** Open (creating if needed) the database at `file`, or an in-memory one for `:memory:`. */
export function openStore(file: string): Store {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(inMemory ? ':memory:' : file);
  if (!inMemory) {
    db.pragma('journal_mode = WAL');
    // Checkpoint every ~40 MB of WAL instead of 4 MB: index pages rewritten by consecutive
    // batches are copied back once, not every few batches (~30% more events/s in the bench).
    db.pragma('wal_autocheckpoint = 10000');
  }
  // No fsync: in WAL mode a commit still survives a crash of this process, and only an OS crash
  // or power cut could lose or damage the file. That is acceptable for a disposable dev/test
  // database; the fsyncs at each checkpoint cost ~40% of ingest wall time on a busy disk.
  db.pragma('synchronous = OFF');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const insertEvent = db.prepare(
    `INSERT OR REPLACE INTO events (token, event, distinct_id, insert_id, time, properties, ip, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Profiles and groups are rewritten with INSERT OR REPLACE, which gives the row a new rowid:
  // `ORDER BY rowid DESC` then finds the most recently updated one even within a millisecond.
  const selectProfile = db.prepare('SELECT properties, ip FROM profiles WHERE token = ? AND distinct_id = ?');
  const writeProfile = db.prepare(
    'INSERT OR REPLACE INTO profiles (token, distinct_id, properties, ip, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  const deleteProfile = db.prepare('DELETE FROM profiles WHERE token = ? AND distinct_id = ?');
  const selectGroup = db.prepare('SELECT properties, ip FROM groups WHERE token = ? AND group_key = ? AND group_id = ?');
  const writeGroup = db.prepare(
    'INSERT OR REPLACE INTO groups (token, group_key, group_id, properties, ip, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const deleteGroup = db.prepare('DELETE FROM groups WHERE token = ? AND group_key = ? AND group_id = ?');
  const insertRequest = db.prepare(
    `INSERT INTO requests (at, method, path, query, status, items, bytes, origin, error)
     VALUES (@at, @method, @path, @query, @status, @items, @bytes, @origin, @error)`,
  );

  const insertEvents = db.transaction((records: EventRecord[], ip: string | null, at: number) => {
    for (const r of records) insertEvent.run(r.token, r.event, r.distinctId, r.insertId, r.time, r.properties, ip, at);
  });

  /** Read-modify-write per update, in request order, inside one transaction. */
  const updateProfiles = db.transaction((updates: ProfileUpdate[], ip: string | null, at: number) => {
    for (const u of updates) {
      const row = selectProfile.get(u.token, u.distinctId) as Row | undefined;
      const next = applyOperation(row && JSON.parse(row.properties), u.op, u.value);
      // Mixpanel: ip=0 means "do not overwrite the geolocation", so the last known address stays.
      if (next) writeProfile.run(u.token, u.distinctId, JSON.stringify(next), ip ?? row?.ip ?? null, at);
      else if (row) deleteProfile.run(u.token, u.distinctId);
    }
  });

  const updateGroups = db.transaction((updates: GroupUpdate[], ip: string | null, at: number) => {
    for (const u of updates) {
      const row = selectGroup.get(u.token, u.groupKey, u.groupId) as Row | undefined;
      const next = applyOperation(row && JSON.parse(row.properties), u.op, u.value);
      if (next) writeGroup.run(u.token, u.groupKey, u.groupId, JSON.stringify(next), ip ?? row?.ip ?? null, at);
      else if (row) deleteGroup.run(u.token, u.groupKey, u.groupId);
    }
  });

  const reset = db.transaction(() => {
    // Every table, including those other modules create on this database (gdpr_tasks);
    // sqlite_sequence is kept, so event ids still never repeat.
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    for (const table of tables) db.prepare(`DELETE FROM "${table}"`).run();
  });

  let closed = false;
  return {
    db,
    insertEvents: (records, ip, at) => insertEvents(records, ip, at),
    updateProfiles: (updates, ip, at) => updateProfiles(updates, ip, at),
    updateGroups: (updates, ip, at) => updateGroups(updates, ip, at),
    logRequest: (entry) => void insertRequest.run(entry),
    events(filter) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.token !== undefined) (where.push('token = ?'), args.push(filter.token));
      // Same expression as the dedupe index, so this filter is an index search.
      if (filter.distinctId !== undefined) (where.push("ifnull(distinct_id, '') = ?"), args.push(filter.distinctId));
      if (filter.event !== undefined) (where.push('event = ?'), args.push(filter.event));
      if (filter.since !== undefined) (where.push('id > ?'), args.push(filter.since));
      const sql =
        'SELECT id, token, event, distinct_id, insert_id, time, properties, ip, received_at FROM events' +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        ' ORDER BY id' +
        (filter.limit !== undefined ? ` LIMIT ${Math.floor(filter.limit)}` : '');
      const rows = db.prepare(sql).all(...args) as (Omit<StoredEvent, 'properties'> & { properties: string })[];
      return rows.map((row) => ({ ...row, properties: JSON.parse(row.properties) as Props }));
    },
    profile(distinctId, token) {
      const row = db
        .prepare(
          `SELECT token, distinct_id, properties, ip, updated_at FROM profiles WHERE distinct_id = ?
           ${token === undefined ? '' : 'AND token = ?'} ORDER BY rowid DESC LIMIT 1`,
        )
        .get(...(token === undefined ? [distinctId] : [distinctId, token])) as
        | (Omit<StoredProfile, 'properties'> & { properties: string })
        | undefined;
      return row && { ...row, properties: JSON.parse(row.properties) as Props };
    },
    group(groupKey, groupId, token) {
      const row = db
        .prepare(
          `SELECT token, group_key, group_id, properties, ip, updated_at FROM groups WHERE group_key = ? AND group_id = ?
           ${token === undefined ? '' : 'AND token = ?'} ORDER BY rowid DESC LIMIT 1`,
        )
        .get(...(token === undefined ? [groupKey, groupId] : [groupKey, groupId, token])) as
        | (Omit<StoredGroup, 'properties'> & { properties: string })
        | undefined;
      return row && { ...row, properties: JSON.parse(row.properties) as Props };
    },
    requests(filter) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.path !== undefined) {
        // '/track' also finds '/track/': callers ask about the endpoint, not the spelling.
        const bare = filter.path.replace(/\/+$/, '') || '/';
        where.push('path IN (?, ?)');
        args.push(bare, `${bare}/`);
      }
      if (filter.method !== undefined) (where.push('method = ?'), args.push(filter.method.toUpperCase()));
      const sql = `SELECT * FROM requests${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
      return db.prepare(sql).all(...args) as (RequestLog & { id: number })[];
    },
    reset: () => reset(),
    close() {
      if (closed) return;
      closed = true;
      // Fold the WAL back into the main file so the .db is complete on its own.
      if (!inMemory) db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}
