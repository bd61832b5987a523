import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One row of the reliability table (scripts/reliability.mjs prints them and writes the JSON).
 * Counts are what the user sees: copies on the wire, requests, not de-duplicated rows. A column a
 * scenario does not measure is left out (printed as "-").
 */
export interface Row {
  scenario: string;
  /** Events the page (or the generated calls) asked heed to send. */
  tracked?: number;
  /** Events that arrived exactly once. */
  deliveredOnce?: number;
  /** Copies the server accepted again (an event sent twice counts 1 here). */
  duplicates?: number;
  /** Events never delivered and not dropped by a stated policy. */
  lost?: number;
  /** Events heed refused or dropped on purpose, by reason (`outbox full`, `consent`). */
  dropped?: Record<string, number>;
  /** Most events waiting at once (tracked, neither delivered nor dropped yet). */
  peakOutbox?: number;
  /** Exceptions that reached the page or the caller (sync throws, uncaught errors, rejections). */
  throws?: number;
  /** Items on the wire that Mixpanel's spec or limits refuse (or requests it cannot decode). */
  invalid?: number;
  /** Items that arrived after an opt-out (allowing the cross-tab 100 ms). */
  sentAfterOptOut?: number;
  /** Seconds from the end of an outage to the first accepted request (`null`: none before the run ended). */
  recoveryS?: number | null;
  /** What else the run found, in a few words. */
  note?: string;
}

/** Where rows of this run are collected: `HEED_RELIABILITY_DIR` (set by the runner) or `.heed/reliability`. */
export const ROWS_DIR = process.env.HEED_RELIABILITY_DIR || join(__dirname, '..', '..', '.heed', 'reliability');

/** Add `row` to this run's table (one JSON line per row, one file per test file). */
export function record(file: string, row: Row): void {
  mkdirSync(ROWS_DIR, { recursive: true });
  appendFileSync(join(ROWS_DIR, `${file}.jsonl`), JSON.stringify(row) + '\n');
}

/** `HEED_SOAK=1` (or `npm run test:reliability -- --soak`): the minutes-long outages. */
export const SOAK = process.env.HEED_SOAK === '1';
/** `HEED_RELIABILITY=full` (set by `npm run test:reliability`): every case at full size; else the quick set `npm test` runs. */
export const FULL = process.env.HEED_RELIABILITY === 'full' || SOAK;
