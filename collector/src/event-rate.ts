import type Database from 'better-sqlite3';
import { contains } from './filter.js';

/** One line of the event-rate chart: an event name and its count per minute, oldest first. */
export interface RateSeries {
  event: string;
  counts: number[];
  total: number;
}

export interface EventRate {
  /** Start of the first minute (ms since epoch); minute `i` starts at `from + i * 60000`. */
  from: number;
  minutes: number;
  series: RateSeries[];
}

const MINUTE = 60_000;
/** Names drawn on their own; the rest are summed as "other" so the legend stays readable. */
const MAX_SERIES = 8;

/**
 * Events received per minute, by event name, over the last `minutes` (the current minute last).
 * By arrival time (`received_at`): the chart shows what reached the collector, as the rest of the
 * inspector does; an event queued offline counts when it arrived.
 */
export function eventRate(db: Database.Database, filter: { distinct: string; event: string }, now = Date.now(), minutes = 60): EventRate {
  const from = Math.floor(now / MINUTE) * MINUTE - (minutes - 1) * MINUTE;
  const rows = db
    .prepare(
      `SELECT event, CAST((received_at - @from) / ${MINUTE} AS INTEGER) AS bucket, count(*) AS n FROM events
       WHERE received_at >= @from AND ${contains("ifnull(distinct_id, '')", 'distinct')} AND ${contains('event', 'event')}
       GROUP BY event, bucket`,
    )
    .all({ from, distinct: filter.distinct, event: filter.event }) as { event: string; bucket: number; n: number }[];
  const byName = new Map<string, RateSeries>();
  for (const row of rows) {
    if (row.bucket < 0 || row.bucket >= minutes) continue;
    let series = byName.get(row.event);
    if (!series) byName.set(row.event, (series = { event: row.event, counts: new Array<number>(minutes).fill(0), total: 0 }));
    series.counts[row.bucket]! += row.n;
    series.total += row.n;
  }
  const sorted = [...byName.values()].sort((a, b) => b.total - a.total || a.event.localeCompare(b.event));
  if (sorted.length <= MAX_SERIES) return { from, minutes, series: sorted };
  const other: RateSeries = { event: 'other', counts: new Array<number>(minutes).fill(0), total: 0 };
  for (const s of sorted.slice(MAX_SERIES - 1)) {
    s.counts.forEach((n, i) => (other.counts[i]! += n));
    other.total += s.total;
  }
  return { from, minutes, series: [...sorted.slice(0, MAX_SERIES - 1), other] };
}
