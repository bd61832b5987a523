import type Database from 'better-sqlite3';
import { deletionNote, type Job } from './gdpr-jobs.js';
import { PERSON_EVENTS, personParams, type Person, type PersonLookup } from './person.js';

/**
 * One person on one time axis, for the inspector: consent changes, events, profile updates and
 * GDPR tasks, ordered by when they reached the collector. The axis is the collector's clock, not
 * the device's: the audit question is what arrived, and when.
 */
export type EntryKind = 'consent' | 'event' | 'profile' | 'gdpr';

export interface TimelineEntry {
  /** When it arrived (ms since epoch); for GDPR tasks, when the task was created or ended. */
  at: number;
  kind: EntryKind;
  title: string;
  distinct_id: string;
  token: string;
  /** Consent changes: which way. */
  consent?: 'opt-in' | 'opt-out';
  /** Events: the device's own `time` in ms (null when absent). */
  time?: number | null;
  /** What the inspector shows expanded: the event, the profile operation, or the task. */
  detail: unknown;
}

/** A stretch from a refusal (the opt-out's `$delete`) to the next opt-in, or to now. */
export interface Refusal {
  at: number;
  /** The next opt-in, or null: still refused. */
  until: number | null;
  /** Events and profile updates that arrived while refused (the `$delete` itself not counted). */
  arrivals: number;
}

export interface Timeline {
  distinct_id: string;
  /** The project token looked at, or null for every project. */
  token: string | null;
  person: Person;
  entries: TimelineEntry[];
  refusals: Refusal[];
  /** The entries were cut to the latest `LIMIT` of each kind. */
  truncated: boolean;
  now: number;
}

const LIMIT = 1000;
const OPT_IN = '$opt_in';

export function personTimeline(db: Database.Database, lookup: PersonLookup, distinctId: string, token?: string): Timeline {
  const person = lookup(token, [distinctId]);
  const params = personParams(token, person);
  const events = latest(db, `SELECT id, token, event, distinct_id, time, properties, received_at FROM events WHERE ${PERSON_EVENTS}`, params);
  const updates = latest(
    db,
    `SELECT id, token, distinct_id, op, value, received_at FROM profile_updates
     WHERE (@token IS NULL OR token = @token) AND distinct_id IN (SELECT value FROM json_each(@people))`,
    params,
  );
  const tasks = db
    .prepare(
      `SELECT * FROM gdpr_tasks WHERE (@token IS NULL OR token = @token)
       AND EXISTS (SELECT 1 FROM json_each(distinct_ids) WHERE value IN (SELECT value FROM json_each(@asked)))`,
    )
    .all(params) as (Omit<Job, 'distinct_ids'> & { distinct_ids: string })[];

  const entries = [
    ...events.map(eventEntry),
    ...updates.map(updateEntry),
    ...tasks.flatMap((row) => taskEntries(db, { ...row, distinct_ids: JSON.parse(row.distinct_ids) as string[] })),
  ].sort(byArrival);
  return {
    distinct_id: distinctId,
    token: token ?? null,
    person,
    entries,
    refusals: refusals(entries),
    truncated: events.length === LIMIT || updates.length === LIMIT,
    now: Date.now(),
  };
}

type Row = Record<string, unknown> & { received_at: number };

/** The newest `LIMIT` rows of a query, oldest first. */
function latest(db: Database.Database, sql: string, params: object): Row[] {
  return (db.prepare(`${sql} ORDER BY id DESC LIMIT ${LIMIT}`).all(params) as Row[]).reverse();
}

function eventEntry(row: Row): TimelineEntry {
  const event = String(row.event);
  const properties = JSON.parse(String(row.properties)) as unknown;
  const time = typeof row.time === 'number' ? (row.time < 1e11 ? row.time * 1000 : row.time) : null;
  // The consent record of a decision travels as `$opt_in`'s properties: shown whole in `detail`.
  const consent = event === OPT_IN;
  return {
    at: row.received_at,
    kind: consent ? 'consent' : 'event',
    ...(consent ? { consent: 'opt-in' as const } : {}),
    title: consent ? 'opt-in ($opt_in)' : event,
    distinct_id: String(row.distinct_id ?? ''),
    token: String(row.token),
    time,
    detail: { event, properties },
  };
}

function updateEntry(row: Row): TimelineEntry {
  const op = String(row.op);
  const value = JSON.parse(String(row.value)) as unknown;
  const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).join(', ') : '';
  // heed's opt-out sends exactly this (README: "one $delete profile update"); so does people.delete_user().
  const optOut = op === '$delete';
  return {
    at: row.received_at,
    kind: optOut ? 'consent' : 'profile',
    ...(optOut ? { consent: 'opt-out' as const } : {}),
    title: optOut ? 'opt-out: profile $delete' : `profile ${op}${keys ? ` ${keys}` : ''}`,
    distinct_id: String(row.distinct_id),
    token: String(row.token),
    detail: { [op]: value },
  };
}

function taskEntries(db: Database.Database, job: Job): TimelineEntry[] {
  const base = { kind: 'gdpr' as const, distinct_id: job.distinct_ids.join(', '), token: job.token };
  const requested: TimelineEntry = { ...base, at: job.created_at, title: `${job.kind} requested (${job.compliance_type})`, detail: job };
  const ended = ['SUCCESS', 'FAILURE', 'REVOKED'].includes(job.status);
  if (!ended) return [requested];
  const note = deletionNote(db, job);
  const done: TimelineEntry = { ...base, at: job.updated_at, title: `${job.kind} ${job.status}${note ? `: ${note}` : ''}`, detail: job };
  return [requested, done];
}

/**
 * By arrival; within one millisecond (one request) an opt-in comes first and an opt-out last: what
 * arrived with the opt-in was sent after the "yes", what arrived with the opt-out before the "no".
 */
function byArrival(a: TimelineEntry, b: TimelineEntry): number {
  const rank = (e: TimelineEntry) => (e.consent === 'opt-in' ? 0 : e.consent === 'opt-out' ? 2 : 1);
  return a.at - b.at || rank(a) - rank(b);
}

/** Each opt-out and what arrived from then until the next opt-in. */
function refusals(entries: TimelineEntry[]): Refusal[] {
  const out: Refusal[] = [];
  let open: Refusal | undefined;
  for (const entry of entries) {
    if (entry.consent === 'opt-out') {
      if (!open) out.push((open = { at: entry.at, until: null, arrivals: 0 }));
    } else if (entry.consent === 'opt-in') {
      if (open) open.until = entry.at;
      open = undefined;
    } else if (open && entry.kind !== 'gdpr') open.arrivals++;
  }
  return out;
}
