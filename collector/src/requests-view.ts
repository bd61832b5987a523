import type Database from 'better-sqlite3';
import { anyContains, contains } from './filter.js';
import { toRequestLog, type RequestLog, type RequestRow } from './store.js';

/** Rows the requests view shows at most (newest first). */
const LIMIT = 300;

export interface RequestsFilter {
  /** Substring of any distinct_id the request carried. */
  distinct: string;
  /** Substring of any device id it carried. */
  device: string;
  /** Substring of the path (`/track`, `/engage`, `/api/app`...). */
  path: string;
}

/**
 * The inspector's requests view: what arrived on the wire, one row per request, before any
 * de-duplication (`duplicates` counts the copies), newest first.
 */
export function requestsView(db: Database.Database, filter: RequestsFilter): RequestLog[] {
  const rows = db
    .prepare(
      `SELECT * FROM requests WHERE ${anyContains('distinct_ids', 'distinct')} AND ${anyContains('device_ids', 'device')} AND ${contains('path', 'path')}
       ORDER BY id DESC LIMIT ${LIMIT}`,
    )
    .all(filter) as RequestRow[];
  return rows.map(toRequestLog);
}
