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
CREATE TABLE IF NOT EXISTS profile_updates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token TEXT NOT NULL,
  distinct_id TEXT NOT NULL,
  op TEXT NOT NULL,
  value TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS profile_updates_distinct_id ON profile_updates (distinct_id);
`;

/**
 * Columns added to `requests` after its first release, so a database file made by an older
 * collector (a kept `.heed/demo.db`) gains them instead of failing on insert. JSON lists are text.
 */
const REQUEST_COLUMNS: Record<string, string> = {
  received: 'INTEGER',
  encoding: 'TEXT',
  distinct_ids: "TEXT NOT NULL DEFAULT '[]'",
  device_ids: "TEXT NOT NULL DEFAULT '[]'",
  duplicates: 'INTEGER NOT NULL DEFAULT 0',
  duplicate_ids: "TEXT NOT NULL DEFAULT '[]'",
  redacted: 'INTEGER NOT NULL DEFAULT 0',
};

/** Duplicate `$insert_id`s kept per request row; the count is always exact. */
const MAX_DUPLICATE_IDS = 100;

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

/** What an ingestion handler learned about a request's payload; logged with the request. */
export interface PayloadFacts {
  /** Items in the payload, valid or not (`items` counts those stored). */
  received?: number;
  /** `json` | `base64` (form or query `data=`) | `raw` (a JSON body), then any Content-Encoding: `base64, gzip`. */
  encoding?: string;
  /** People the items named (see carried.ts). */
  distinctIds?: string[];
  deviceIds?: string[];
  /** `$insert_id`s of events already stored: copies sent again (the stored rows stay de-duplicated). */
  duplicates?: string[];
}

/** What every `requests` row holds, written and read alike. */
export interface RequestCore {
  at: number;
  method: string;
  path: string;
  query: string;
  status: number;
  /** Items stored. */
  items: number;
  /** Decoded body bytes. */
  bytes: number;
  origin: string | null;
  error: string | null;
}

/** One row to write to the `requests` table. */
export interface RequestEntry extends RequestCore, PayloadFacts {}

/** A `requests` row as the read API returns it. */
export interface RequestLog extends RequestCore {
  id: number;
  /** Items in the payload (null: not decoded, e.g. a refused body or a row from an older collector). */
  received: number | null;
  encoding: string | null;
  distinct_ids: string[];
  device_ids: string[];
  /** Events whose `$insert_id` had arrived before. */
  duplicates: number;
  /** Their `$insert_id`s (the first 100). */
  duplicate_ids: string[];
  /** Ids removed from `distinct_ids` / `device_ids` by a GDPR deletion. */
  redacted: number;
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
  /** Stores the events; returns the `$insert_id`s that were already stored (copies sent again). */
  insertEvents(records: EventRecord[], ip: string | null, at: number): string[];
  updateProfiles(updates: ProfileUpdate[], ip: string | null, at: number): void;
  updateGroups(updates: GroupUpdate[], ip: string | null, at: number): void;
  logRequest(entry: RequestEntry): void;
  events(filter: EventFilter): StoredEvent[];
  profile(distinctId: string, token?: string): StoredProfile | undefined;
  group(groupKey: string, groupId: string, token?: string): StoredGroup | undefined;
  requests(filter: { path?: string; method?: string }): RequestLog[];
  /** Remove these ids from every logged request that carried them (a GDPR deletion). */
  redactRequests(distinctIds: readonly string[], deviceIds: readonly string[]): void;
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
  addMissingColumns(db, 'requests', REQUEST_COLUMNS);

  const eventColumns = '(token, event, distinct_id, insert_id, time, properties, ip, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
  // IGNORE first: a new event costs one statement, and a conflict tells a copy sent again, which
  // REPLACE alone cannot (its deletion of the old row is not counted in `changes`).
  const insertNew = db.prepare(`INSERT OR IGNORE INTO events ${eventColumns}`);
  const replaceEvent = db.prepare(`INSERT OR REPLACE INTO events ${eventColumns}`);
  const logProfileUpdate = db.prepare('INSERT INTO profile_updates (token, distinct_id, op, value, received_at) VALUES (?, ?, ?, ?, ?)');
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
    `INSERT INTO requests (at, method, path, query, status, items, bytes, origin, error, received, encoding, distinct_ids, device_ids, duplicates, duplicate_ids)
     VALUES (@at, @method, @path, @query, @status, @items, @bytes, @origin, @error, @received, @encoding, @distinct_ids, @device_ids, @duplicates, @duplicate_ids)`,
  );
  // Drops the given ids from both lists of every row that carried one, counting what it removed.
  const redact = db.prepare(
    `UPDATE requests SET
       redacted = redacted
         + (SELECT count(*) FROM json_each(distinct_ids) WHERE value IN (SELECT value FROM json_each(@people)))
         + (SELECT count(*) FROM json_each(device_ids) WHERE value IN (SELECT value FROM json_each(@devices))),
       distinct_ids = (SELECT json_group_array(value) FROM json_each(distinct_ids) WHERE value NOT IN (SELECT value FROM json_each(@people))),
       device_ids = (SELECT json_group_array(value) FROM json_each(device_ids) WHERE value NOT IN (SELECT value FROM json_each(@devices)))
     WHERE EXISTS (SELECT 1 FROM json_each(distinct_ids) WHERE value IN (SELECT value FROM json_each(@people)))
        OR EXISTS (SELECT 1 FROM json_each(device_ids) WHERE value IN (SELECT value FROM json_each(@devices)))`,
  );

  const insertEvents = db.transaction((records: EventRecord[], ip: string | null, at: number) => {
    const copies: string[] = [];
    for (const r of records) {
      const args = [r.token, r.event, r.distinctId, r.insertId, r.time, r.properties, ip, at] as const;
      if (insertNew.run(...args).changes > 0) continue;
      replaceEvent.run(...args);
      if (r.insertId !== null) copies.push(r.insertId);
    }
    return copies;
  });

  /** Read-modify-write per update, in request order, inside one transaction. */
  const updateProfiles = db.transaction((updates: ProfileUpdate[], ip: string | null, at: number) => {
    for (const u of updates) {
      logProfileUpdate.run(u.token, u.distinctId, u.op, JSON.stringify(u.value), at);
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
    logRequest: (entry) => void insertRequest.run(requestRow(entry)),
    redactRequests(distinctIds, deviceIds) {
      redact.run({ people: JSON.stringify(distinctIds), devices: JSON.stringify(deviceIds) });
    },
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
      return (db.prepare(sql).all(...args) as RequestRow[]).map(toRequestLog);
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

/** Adds each column `table` lacks (SQLite has no ADD COLUMN IF NOT EXISTS). */
function addMissingColumns(db: Database.Database, table: string, columns: Record<string, string>): void {
  const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  for (const [name, type] of Object.entries(columns)) {
    if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
  }
}

function requestRow(entry: RequestEntry) {
  const { received, encoding, distinctIds, deviceIds, duplicates, ...row } = entry;
  return {
    ...row,
    received: received ?? null,
    encoding: encoding ?? null,
    distinct_ids: JSON.stringify(distinctIds ?? []),
    device_ids: JSON.stringify(deviceIds ?? []),
    duplicates: duplicates?.length ?? 0,
    duplicate_ids: JSON.stringify((duplicates ?? []).slice(0, MAX_DUPLICATE_IDS)),
  };
}

export type RequestRow = Omit<RequestLog, 'distinct_ids' | 'device_ids' | 'duplicate_ids'> & { distinct_ids: string; device_ids: string; duplicate_ids: string };

/** A `requests` row with its JSON lists parsed. Exported for the inspector's requests view. */
export function toRequestLog(row: RequestRow): RequestLog {
  return {
    ...row,
    distinct_ids: JSON.parse(row.distinct_ids) as string[],
    device_ids: JSON.parse(row.device_ids) as string[],
    duplicate_ids: JSON.parse(row.duplicate_ids) as string[],
  };
}
