import type { BrowserContext } from 'playwright-core';
import type { InitConfig } from '../../src/types';
import type { Rig } from '../e2e/rig';
import { config, init, openTab, pageSide, track, type Tab } from './chromium';
import { record, type Row } from './report';
import { peakOutbox, recovery, settle, tally, type Arrivals } from './wire';

/**
 * One fault run: pages tracking numbered events (one event name, one token), the faults and
 * outages it went through, and at the end one row of the reliability table, counted on the wire.
 */
export interface Run {
  rig: Rig;
  ctx: BrowserContext;
  token: string;
  /** The event name every tracked event of the run carries (numbered by `i`). */
  name: string;
  tabs: Tab[];
  /** Events tracked so far (the next one's `i`), and when: [ms, how many]. */
  tracked: number;
  trackedAt: Array<[number, number]>;
  /** Throws and drops read from pages before they went away (reloads, crashes). */
  harvested: { throws: string[]; dropped: Record<string, number[]> };
}

export function newRun(rig: Rig, ctx: BrowserContext, token: string, name = 'e'): Run {
  return { rig, ctx, token, name, tabs: [], tracked: 0, trackedAt: [], harvested: { throws: [], dropped: {} } };
}

/** A new tab on `page`, heed initialised with the run's token and `extra` configuration (each of `globals`; none: left to the test). */
export async function tab(run: Run, extra: InitConfig = {}, page = 'page.html', globals = ['heed']): Promise<Tab> {
  const t = await openTab(run.rig, run.ctx, page);
  run.tabs.push(t);
  for (const g of globals) await init(t.frame, run.token, config(run.rig, extra), g);
  return t;
}

/** Track the run's next `n` events in `t`. */
export async function send(run: Run, t: Tab, n: number, global = 'heed'): Promise<void> {
  const from = run.tracked;
  run.tracked += n;
  run.trackedAt.push([Date.now(), n]);
  await track(t.frame, run.name, from, from + n, global);
}

/** Keep what the page saw before it goes away (a reload or a crash clears it). */
export async function harvest(run: Run, t: Tab): Promise<void> {
  const side = await pageSide(t.frame, run.name);
  run.harvested.throws.push(...side.throws);
  for (const [why, ids] of Object.entries(side.dropped)) (run.harvested.dropped[why] ??= []).push(...ids);
}

/** Reload `t` (the same tab, a new page) and initialise heed again. */
export async function reload(run: Run, t: Tab, extra: InitConfig = {}): Promise<void> {
  await harvest(run, t);
  await t.page.reload();
  await init(t.frame, run.token, config(run.rig, extra));
}

export interface Finish {
  scenario: string;
  /** How long delivery may take after the run's last step. */
  timeoutMs: number;
  /** When the outage ended (ms): recovery is measured from here. */
  outageEnd?: number;
  /** When an opt-out took effect everywhere (ms): anything after is "sent after opt-out". */
  optedOutAt?: number;
  /** Tabs still open whose pages to read (default: all of the run's). */
  live?: Tab[];
  note?: string;
}

/** Wait for delivery, then count: one table row, written and returned with the missing events. */
export async function finish(run: Run, f: Finish): Promise<{ row: Row; missing: number[]; seen: Arrivals }> {
  const dropped: Record<string, number[]> = structuredClone(run.harvested.dropped);
  const throws = [...run.harvested.throws];
  for (const t of f.live ?? run.tabs) {
    const side = await pageSide(t.frame, run.name).catch(() => undefined); // a crashed or closed page
    if (!side) continue;
    throws.push(...side.throws);
    for (const [why, ids] of Object.entries(side.dropped)) (dropped[why] ??= []).push(...ids);
  }
  const refused = new Set(Object.values(dropped).flat());
  const expected = Array.from({ length: run.tracked }, (_, i) => i).filter((i) => !refused.has(i));
  const seen = await settle(run.rig, run.token, run.name, expected, f.timeoutMs);
  const t = tally(seen, run.tracked);
  const missing = t.missing.filter((i) => !refused.has(i));
  const errors = run.tabs.flatMap((x) => x.errors);
  const row: Row = {
    scenario: f.scenario,
    tracked: run.tracked,
    deliveredOnce: t.deliveredOnce,
    duplicates: t.duplicates,
    lost: missing.length,
    dropped: Object.fromEntries(Object.entries(dropped).map(([why, ids]) => [why, ids.length])),
    peakOutbox: peakOutbox(seen, run.trackedAt, refused.size),
    throws: throws.length + errors.length,
    invalid: seen.invalid,
    ...(f.optedOutAt !== undefined ? { sentAfterOptOut: sentAfter(seen, f.optedOutAt) } : {}),
    ...(f.outageEnd !== undefined ? { recoveryS: recovery(seen, f.outageEnd) ?? null } : {}),
    ...(f.note ? { note: f.note } : {}),
  };
  record('faults', row);
  return { row, missing, seen };
}

/** Items carried by requests that started after `at`. */
const sentAfter = (seen: Arrivals, at: number) => seen.requests.filter((r) => r.at > at).reduce((n, r) => n + Math.max(1, r.received), 0);

/** What every fault run must show: nothing lost, no copy twice, no throw, nothing invalid. */
export function clean(row: Row): Record<string, unknown> {
  return { lost: row.lost, duplicates: row.duplicates, throws: row.throws, invalid: row.invalid };
}
export const CLEAN = { lost: 0, duplicates: 0, throws: 0, invalid: 0 };
