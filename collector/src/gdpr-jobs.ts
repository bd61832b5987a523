import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { PERSON_EVENTS, personLookup, personParams } from './person.js';
import type { Store, StoredEvent, StoredProfile } from './store.js';
import type { Props } from './validate.js';

/**
 * GDPR jobs (deletions and retrievals) on the collector's SQLite database, moving PENDING →
 * STAGING → STARTED → SUCCESS one stage per `stepMs`, as Mixpanel's do over days.
 *
 * Decisions:
 * - The clock is derived from `created_at`, so jobs in a database file catch up after a restart;
 *   one timer (unref'd) wakes the collector at the next stage change.
 * - The work happens at the STARTED → SUCCESS step, in one transaction, so a job cancelled while
 *   PENDING or STAGING never touched anything.
 * - A person is their distinct_id plus the anonymous ids merged into it, as Mixpanel's simplified
 *   ID merge does (person.ts): a device belongs to the user of the first event linking them.
 * - A deletion also removes the person's profile update history and their ids from the request
 *   log (the rows stay, with a `redacted` count): both are their data too.
 * - Deleting scrubs: `VACUUM` rewrites the file without the freed pages (older copies left by
 *   `INSERT OR REPLACE` included) and a TRUNCATE checkpoint empties the WAL, so the deleted
 *   values are gone from the bytes on disk, not just from query results.
 */

export type JobKind = 'deletion' | 'retrieval';
export const STATUSES = ['PENDING', 'STAGING', 'STARTED', 'SUCCESS', 'FAILURE', 'REVOKED', 'NOT_FOUND', 'UNKNOWN'] as const;
export type JobStatus = (typeof STATUSES)[number];

export interface Job {
  id: string;
  kind: JobKind;
  /** The project token the job was created with. */
  token: string;
  compliance_type: 'GDPR' | 'CCPA';
  disclosure_type: 'Data' | 'Categories' | 'Sources' | null;
  distinct_ids: string[];
  status: JobStatus;
  created_at: number;
  updated_at: number;
  /** Retrievals: the export's file name once written. */
  file: string | null;
  /** FAILURE: why. */
  error: string | null;
  /** Deletions: rows removed. */
  deleted_events: number | null;
  deleted_profiles: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gdpr_tasks (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  token TEXT NOT NULL,
  compliance_type TEXT NOT NULL,
  disclosure_type TEXT,
  distinct_ids TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  file TEXT,
  error TEXT,
  deleted_events INTEGER,
  deleted_profiles INTEGER
);
`;

const ACTIVE = "status IN ('PENDING', 'STAGING', 'STARTED')";
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface JobsOptions {
  /** Time per stage in ms; 0 finishes a job on the next tick. */
  stepMs: number;
  /** Where exports are written (created on first use). */
  exportDir: () => string;
}

export interface Jobs {
  create(kind: JobKind, token: string, ids: string[], compliance: Job['compliance_type'], disclosure: Job['disclosure_type']): Job;
  get(id: string): Job | undefined;
  list(filter?: { kind?: string; status?: string; token?: string }): Job[];
  /** PENDING/STAGING → REVOKED. */
  cancel(id: string): 'revoked' | 'not_cancellable' | 'not_found';
  /** The docs' form: cancel a project's cancellable deletions that name any of `ids`. */
  cancelFor(token: string, ids: string[]): { revoked: number; matched: number };
  /** The absolute path of an export file, if it exists. */
  exportFile(name: string): string | undefined;
  /** Move every due job on; called on each GDPR request and by the timer. */
  advance(): void;
  stop(): void;
}

type Row = Omit<Job, 'distinct_ids'> & { distinct_ids: string };
const toJob = (row: Row): Job => ({ ...row, distinct_ids: JSON.parse(row.distinct_ids) as string[] });

export function openJobs(store: Store, options: JobsOptions): Jobs {
  const db = store.db;
  db.exec(SCHEMA);
  const insert = db.prepare(
    `INSERT INTO gdpr_tasks (id, kind, token, compliance_type, disclosure_type, distinct_ids, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?, ?)`,
  );
  const select = db.prepare('SELECT * FROM gdpr_tasks WHERE id = ?');
  const active = db.prepare(`SELECT * FROM gdpr_tasks WHERE ${ACTIVE} ORDER BY created_at`);
  const setStatus = db.prepare('UPDATE gdpr_tasks SET status = ?, updated_at = ? WHERE id = ?');
  const finish = db.prepare(
    'UPDATE gdpr_tasks SET status = ?, updated_at = ?, file = ?, error = ?, deleted_events = ?, deleted_profiles = ? WHERE id = ?',
  );
  const person = personLookup(db);
  const deleteEvents = db.prepare(`DELETE FROM events WHERE ${PERSON_EVENTS}`);
  const deleteProfiles = db.prepare('DELETE FROM profiles WHERE token = ? AND distinct_id IN (SELECT value FROM json_each(?))');
  const deleteUpdates = db.prepare('DELETE FROM profile_updates WHERE token = ? AND distinct_id IN (SELECT value FROM json_each(?))');
  const selectEvents = db.prepare(
    `SELECT id, token, event, distinct_id, insert_id, time, properties, ip, received_at FROM events WHERE ${PERSON_EVENTS} ORDER BY id`,
  );
  const selectProfiles = db.prepare(
    'SELECT token, distinct_id, properties, ip, updated_at FROM profiles WHERE token = ? AND distinct_id IN (SELECT value FROM json_each(?)) ORDER BY distinct_id',
  );

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const deletion = db.transaction((job: Job, now: number) => {
    const who = person(job.token, job.distinct_ids);
    const params = personParams(job.token, who);
    const events = deleteEvents.run(params).changes;
    const profiles = deleteProfiles.run(job.token, params.people).changes;
    deleteUpdates.run(job.token, params.people);
    store.redactRequests(who.ids, who.devices);
    finish.run('SUCCESS', now, null, null, events, profiles, job.id);
  });

  function retrieval(job: Job, now: number): void {
    const params = personParams(job.token, person(job.token, job.distinct_ids));
    let events = (selectEvents.all(params) as (Omit<StoredEvent, 'properties'> & { properties: string })[])
      .map((row) => ({ ...row, properties: JSON.parse(row.properties) as Props }));
    const profiles = (selectProfiles.all(job.token, params.people) as (Omit<StoredProfile, 'properties'> & { properties: string })[])
      .map((row) => ({ ...row, properties: JSON.parse(row.properties) as Props }));
    // The docs: a CCPA export holds the previous year; a GDPR export everything.
    if (job.compliance_type === 'CCPA') events = events.filter((e) => eventTime(e) >= now - YEAR_MS);
    const content: Record<string, unknown> = {
      task_id: job.id,
      project_token: job.token,
      compliance_type: job.compliance_type,
      disclosure_type: job.disclosure_type ?? 'Data',
      distinct_ids: job.distinct_ids,
      generated_at: new Date(now).toISOString(),
    };
    const disclosure = job.compliance_type === 'CCPA' ? job.disclosure_type : null;
    if (disclosure === 'Categories') content.categories = categories(events, profiles);
    else if (disclosure === 'Sources') content.sources = sources(events);
    else Object.assign(content, { events, profiles });
    const dir = options.exportDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = `${crypto.randomUUID()}.json`;
    fs.writeFileSync(path.join(dir, file), `${JSON.stringify(content, null, 2)}\n`);
    finish.run('SUCCESS', now, file, null, null, null, job.id);
  }

  function scrub(): void {
    if (db.memory) return;
    try {
      db.exec('VACUUM');
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      // The rows are deleted either way; only the on-disk scrub waits for the next deletion.
      console.error('[heed-collector] could not scrub the database after a deletion', error);
    }
  }

  function advance(): void {
    if (stopped) return;
    const now = Date.now();
    let next = Infinity;
    let deleted = false;
    for (const job of (active.all() as Row[]).map(toJob)) {
      const stage = options.stepMs <= 0 ? 3 : Math.min(3, Math.floor((now - job.created_at) / options.stepMs));
      if (stage < 3) {
        if (STATUSES[stage] !== job.status) setStatus.run(STATUSES[stage], now, job.id);
        next = Math.min(next, job.created_at + (stage + 1) * options.stepMs);
        continue;
      }
      try {
        if (job.kind === 'deletion') {
          deletion(job, now);
          deleted = true;
        } else retrieval(job, now);
      } catch (error) {
        finish.run('FAILURE', now, null, error instanceof Error ? error.message : String(error), null, null, job.id);
      }
    }
    if (deleted) scrub();
    clearTimeout(timer);
    timer = undefined;
    if (next !== Infinity) {
      timer = setTimeout(advance, Math.min(2 ** 31 - 1, Math.max(0, next - Date.now())));
      timer.unref();
    }
  }

  return {
    create(kind, token, ids, compliance, disclosure) {
      const now = Date.now();
      const id = crypto.randomUUID();
      insert.run(id, kind, token, compliance, disclosure, JSON.stringify(ids), now, now);
      // Not synchronously: the 201 goes out first, even with stepMs 0. advance() sets the next timer.
      setTimeout(advance, 0).unref();
      return toJob(select.get(id) as Row);
    },
    get(id) {
      const row = select.get(id) as Row | undefined;
      return row && toJob(row);
    },
    list(filter = {}) {
      const where: string[] = [];
      const args: string[] = [];
      for (const key of ['kind', 'status', 'token'] as const) {
        const value = filter[key];
        if (value !== undefined) (where.push(`${key} = ?`), args.push(key === 'status' ? value.toUpperCase() : value));
      }
      const sql = `SELECT * FROM gdpr_tasks${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid`;
      return (db.prepare(sql).all(...args) as Row[]).map(toJob);
    },
    cancel(id) {
      advance();
      const job = this.get(id);
      if (!job) return 'not_found';
      if (job.status !== 'PENDING' && job.status !== 'STAGING') return 'not_cancellable';
      setStatus.run('REVOKED', Date.now(), id);
      return 'revoked';
    },
    cancelFor(token, ids) {
      advance();
      const wanted = new Set(ids);
      const matching = this.list({ kind: 'deletion', token }).filter((job) => job.distinct_ids.some((d) => wanted.has(d)));
      const cancellable = matching.filter((job) => job.status === 'PENDING' || job.status === 'STAGING');
      for (const job of cancellable) setStatus.run('REVOKED', Date.now(), job.id);
      return { revoked: cancellable.length, matched: matching.length };
    },
    exportFile(name) {
      if (!/^[0-9a-f-]{36}\.json$/.test(name)) return undefined;
      const file = path.join(options.exportDir(), name);
      return fs.existsSync(file) ? file : undefined;
    },
    advance,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * What to tell about a finished deletion that removed nothing (else null). The usual cause is a
 * project token: deletions apply per token, and the person's data may sit under another one.
 */
export function deletionNote(db: Database.Database, job: Job): string | null {
  if (job.kind !== 'deletion' || job.status !== 'SUCCESS' || job.deleted_events || job.deleted_profiles) return null;
  const elsewhere = db
    .prepare(
      `SELECT token, count(*) AS n FROM events WHERE token <> ? AND ifnull(distinct_id, '') IN (SELECT value FROM json_each(?))
       GROUP BY token ORDER BY n DESC LIMIT 3`,
    )
    .all(job.token, JSON.stringify(job.distinct_ids)) as { token: string; n: number }[];
  const none = `matched nothing: no events or profile for these distinct_ids under project token '${job.token}'`;
  if (!elsewhere.length) return none;
  const where = elsewhere.map((e) => `${e.n} under '${e.token}'`).join(', ');
  return `${none}; they have events under other tokens (${where}): deletions apply per project token`;
}

/** Event time in ms: `time` may be seconds or ms (both are accepted at ingestion). */
function eventTime(event: { time: number | null; received_at: number }): number {
  if (event.time === null) return event.received_at;
  return event.time < 1e11 ? event.time * 1000 : event.time;
}

/** CCPA "Categories": the data table headers, not the data. */
function categories(events: { event: string; properties: Props }[], profiles: { properties: Props }[]) {
  const names = (rows: { properties: Props }[]) => [...new Set(rows.flatMap((r) => Object.keys(r.properties)))].sort();
  return { events: [...new Set(events.map((e) => e.event))].sort(), event_properties: names(events), profile_properties: names(profiles) };
}

/** CCPA "Sources": the means of collection (library, version, platform), not the data. */
function sources(events: { properties: Props }[]) {
  const seen = new Map<string, Record<string, Props[string]>>();
  for (const { properties: p } of events) {
    const source = { library: p.mp_lib ?? p.$lib ?? null, version: p.$lib_version ?? null, os: p.$os ?? null, browser: p.$browser ?? null };
    seen.set(JSON.stringify(source), source);
  }
  return [...seen.values()];
}
