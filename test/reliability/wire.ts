import type { Rig } from '../e2e/rig';
import { pause } from './chromium';

/**
 * What arrived at the collector, counted as the user's phone sent it: every accepted copy of an
 * event (the collector keeps one row per `$insert_id` but logs each copy sent again, see
 * `requests.duplicates`), every item it refused, every request.
 */
export interface Arrivals {
  /** Accepted copies per event number `i` (0 = never arrived; `null` for events without an `i`, such as `$opt_in`). */
  copies: Map<number | null, number>;
  /** Items the collector refused (spec or limits), or requests it could not decode. */
  invalid: number;
  /** Ingestion requests: when they started (ms), path, status, items they carried, items new to the collector (not copies). */
  requests: Array<{ at: number; path: string; status: number; received: number; fresh: number; error: string | null }>;
}

const INGEST = /^\/(track|engage|groups)\/?$/;

interface RequestRow {
  at: number;
  path: string;
  status: number;
  items: number;
  received: number | null;
  duplicates: number;
  duplicate_ids: string;
  error: string | null;
}

/** Everything that arrived for events named `name` of `token` (the collector is reset before each scenario). */
export function arrivals(rig: Rig, token: string, name: string): Arrivals {
  const db = rig.collector.db;
  const rows = db.prepare("SELECT insert_id, json_extract(properties, '$.i') AS i FROM events WHERE token = ? AND event = ?").all(token, name) as Array<{ insert_id: string; i: number | null }>;
  const byId = new Map(rows.map((r) => [r.insert_id, r.i]));
  const copies = new Map<number | null, number>();
  for (const r of rows) copies.set(r.i, (copies.get(r.i) ?? 0) + 1);
  const logged = (
    db.prepare("SELECT at, path, status, items, received, duplicates, duplicate_ids, error FROM requests WHERE method != 'OPTIONS' ORDER BY id").all() as RequestRow[]
  ).filter((r) => INGEST.test(r.path));
  let invalid = 0;
  const requests: Arrivals['requests'] = [];
  for (const r of logged) {
    const again = JSON.parse(r.duplicate_ids) as string[];
    if (again.length < r.duplicates) throw new Error(`a request carried ${r.duplicates} copies, more than the collector lists: count them another way`);
    for (const id of again) {
      const i = byId.get(id);
      if (i !== undefined) copies.set(i, (copies.get(i) ?? 0) + 1);
    }
    // A request refused before its items were read (400 bad body) carried an unknown number of them.
    if (r.received !== null) invalid += r.received - r.items;
    else if (r.status === 400) invalid++;
    requests.push({ at: r.at, path: r.path, status: r.status, received: r.received ?? 0, fresh: r.items - r.duplicates, error: r.error });
  }
  return { copies, invalid, requests };
}

/**
 * Wait until `expected` events numbered 0.. have arrived (or `timeoutMs` passed), then `settleMs`
 * more, so copies sent again late (a next page re-sending a batch) are counted too.
 */
export async function settle(rig: Rig, token: string, name: string, expected: number[], timeoutMs: number, settleMs = 2000): Promise<Arrivals> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const seen = arrivals(rig, token, name);
    if (expected.every((i) => (seen.copies.get(i) ?? 0) > 0)) break;
    await pause(100);
  }
  await pause(settleMs);
  return arrivals(rig, token, name);
}

/** All accepted copies of events `name` (for those without an `i`, such as `$opt_in`). */
export const copiesOf = (seen: Arrivals): number => Array.from(seen.copies.values()).reduce((a, b) => a + b, 0);

/** Events `0 .. tracked - 1`: how many arrived exactly once, the extra copies, and which never arrived. */
export function tally(seen: Arrivals, tracked: number): { deliveredOnce: number; duplicates: number; missing: number[] } {
  let deliveredOnce = 0;
  let duplicates = 0;
  const missing: number[] = [];
  for (let i = 0; i < tracked; i++) {
    const n = seen.copies.get(i) ?? 0;
    if (n === 1) deliveredOnce++;
    if (n > 1) duplicates += n - 1;
    if (n === 0) missing.push(i);
  }
  return { deliveredOnce, duplicates, missing };
}

/** Seconds from `end` (an outage's end) to the first request after it that stored new events. */
export function recovery(seen: Arrivals, end: number): number | undefined {
  const first = seen.requests.find((r) => r.at >= end && r.status === 200 && r.fresh > 0);
  return first && Math.round((first.at - end) / 100) / 10;
}

/**
 * The most events waiting at once: tracked by then (`tracked`: [when, how many] in order) minus
 * those that had arrived, minus those heed dropped on purpose (never waiting).
 */
export function peakOutbox(seen: Arrivals, tracked: Array<[number, number]>, dropped = 0): number {
  // Approximate: the request log does not name events, so every new /track item counts as one of them.
  const arrived = seen.requests.filter((r) => r.status === 200 && r.path.startsWith('/track'));
  const marks = [...tracked.map(([at, n]) => ({ at, n })), ...arrived.map((r) => ({ at: r.at, n: -r.fresh }))];
  marks.sort((a, b) => a.at - b.at || b.n - a.n);
  let waiting = 0;
  let peak = 0;
  for (const m of marks) {
    waiting += m.n;
    peak = Math.max(peak, waiting - dropped);
  }
  return Math.max(0, peak);
}

/** Wait until no request has arrived for `ms` (a closed page's last beacons land first), at most `timeoutMs`. */
export async function quiet(rig: Rig, ms = 400, timeoutMs = 5000): Promise<void> {
  const count = () => rig.collector.db.prepare('SELECT count(*) FROM requests').pluck().get() as number;
  let last = count();
  let since = Date.now();
  for (const end = Date.now() + timeoutMs; Date.now() < end && Date.now() - since < ms; ) {
    await pause(50);
    const now = count();
    if (now !== last) (last = now), (since = Date.now());
  }
}
