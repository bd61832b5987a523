/**
 * heed on pages it does not control (issue 13), in Debian Chromium against the real collector,
 * with the script-tag build. Every page: the consent promise (opt-out by default: 0 requests and
 * 0 writes before the opt-in), then 10 events each delivered exactly once, counted as copies on
 * the wire, with 0 exceptions reaching the page.
 */
import type { BrowserContext } from 'playwright-core';
import type { Rig } from '../e2e/rig';
import { call, config, context, init, openTab, pageSide, pause, startReliabilityRig, track, type Tab } from './chromium';
import { COUNT_WRITES, ENVIRONMENTS } from './environments';
import { record } from './report';
import { arrivals, copiesOf, quiet, settle, tally, type Arrivals } from './wire';

let TOKEN = ''; // one per test: what a closed page still sends is never counted for the next
const QUIET = 600; // longer than three flush intervals: what would be sent by then was sent
const AFTER = 10;

let rig: Rig;
let ctx: BrowserContext | undefined;
beforeAll(async () => {
  rig = await startReliabilityRig();
});
afterAll(async () => {
  await rig?.close();
});
let n = 0;
beforeEach(async () => {
  await fetch(`${rig.collector.url}/api/reset`, { method: 'POST' });
  TOKEN = `hostile-${++n}`;
});
afterEach(async () => {
  await ctx?.close(); // its pagehide beacons land now, before the next test's reset
  ctx = undefined;
  await quiet(rig);
});

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** The consent half: with opt-out by default, nothing is sent or written for a while of tracking. */
async function beforeConsent(tab: Tab, globals: string[]): Promise<{ requests: number; writes: string[] }> {
  for (const g of globals) {
    await init(tab.frame, TOKEN, config(rig, { opt_out_tracking_by_default: true }), g);
    await track(tab.frame, 'before consent', 0, 5, g);
    await call(tab.frame, 'register', [{ plan: 'pro' }], g);
    await call(tab.frame, 'identify', ['user-13'], g);
  }
  await pause(QUIET);
  return { requests: arrivals(rig, TOKEN, 'before consent').requests.length, writes: (await pageSide(tab.frame, 'before consent')).writes };
}

/** One table row per page, then its promise: no throw, nothing before consent, one $opt_in, each event once. */
function recordAndCheck(
  scenario: string,
  tracked: number,
  { seen, t, thrown, before, optIn }: { seen: Arrivals; t: ReturnType<typeof tally>; thrown: unknown[]; before: { requests: number; writes: string[] }; optIn: number },
): void {
  record('hostile-pages', {
    scenario,
    tracked,
    deliveredOnce: t.deliveredOnce,
    duplicates: t.duplicates,
    lost: t.missing.length,
    throws: thrown.length,
    invalid: seen.invalid,
    note: `before consent: ${before.requests} requests, ${before.writes.length} writes; $opt_in copies: ${optIn}`,
  });
  expect({ thrown, before, optIn, invalid: seen.invalid, ...t }).toEqual({
    thrown: [],
    before: { requests: 0, writes: [] },
    optIn: 1,
    invalid: 0,
    deliveredOnce: tracked,
    duplicates: 0,
    missing: [],
  });
}

describe('hostile pages: 0 exceptions, exactly once on the wire, nothing before consent', () => {
  test.each(Object.entries(ENVIRONMENTS))('%s', async (name, env) => {
    ctx = await context(rig, COUNT_WRITES, env.before);
    const tab = await openTab(rig, ctx, env.page, env.frame);
    if (env.afterLoad) await tab.frame.evaluate(env.afterLoad);
    const before = await beforeConsent(tab, ['heed']);
    await call(tab.frame, 'opt_in_tracking');
    await track(tab.frame, 'after consent', 0, AFTER);
    const seen = await settle(rig, TOKEN, 'after consent', range(AFTER), 10_000);
    const optIn = copiesOf(arrivals(rig, TOKEN, '$opt_in'));
    const side = await pageSide(tab.frame, 'after consent');
    const t = tally(seen, AFTER);
    const thrown = [...tab.errors, ...side.throws];
    recordAndCheck(`hostile page: ${name}`, AFTER, { seen, t, thrown, before, optIn });
  });

  test('two copies of heed on one page (a bundle and a tag manager): each event once, one $opt_in', async () => {
    ctx = await context(rig, COUNT_WRITES);
    const tab = await openTab(rig, ctx, 'two-copies.html');
    expect(await tab.frame.evaluate(() => (window as unknown as Record<string, unknown>).heedA !== (window as unknown as Record<string, unknown>).heedB)).toBe(true);
    const before = await beforeConsent(tab, ['heedA', 'heedB']);
    await call(tab.frame, 'opt_in_tracking', [], 'heedA'); // the other copy hears it over the BroadcastChannel
    await track(tab.frame, 'after consent', 0, AFTER, 'heedA');
    await track(tab.frame, 'after consent', AFTER, 2 * AFTER, 'heedB');
    const seen = await settle(rig, TOKEN, 'after consent', range(2 * AFTER), 10_000);
    const optIn = copiesOf(arrivals(rig, TOKEN, '$opt_in'));
    const side = await pageSide(tab.frame, 'after consent');
    const t = tally(seen, 2 * AFTER);
    const thrown = [...tab.errors, ...side.throws];
    recordAndCheck('hostile page: two copies of heed', 2 * AFTER, { seen, t, thrown, before, optIn });
  });
});
