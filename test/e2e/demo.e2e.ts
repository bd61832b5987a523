/**
 * `npm run demo`, clicked through in Chromium: the shop's banner, with the collector's inspector
 * beside it. Events show up only after Accept, stop after Reject, and vanish after "Delete my
 * data"; "Download my data" returns that person's data and no one else's. Ctrl-C keeps the data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { newContext, pause, startRig, until, type Rig } from './rig';
import { runExample, type RunningExample } from './run-example';

interface Row {
  event: string;
  distinct_id: string;
}

const dir = mkdtempSync(join(tmpdir(), 'heed-demo-'));
const db = join(dir, 'demo.db');
let rig: Rig; // for its Chromium
let demo: RunningExample;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [rig, demo] = await Promise.all([
    startRig(),
    // What `npm run demo` runs after the build, on free ports and a fast GDPR clock.
    runExample('examples/demo/cli.mjs', ['--port', '0', '--collector-port', '0', '--db', db, '--gdpr-step-ms', '50']),
  ]);
}, 60000);
afterAll(async () => {
  await demo?.stop('SIGKILL');
  await rig?.close();
  rmSync(dir, { recursive: true, force: true });
});

const collector = () => demo.urls.inspector!.replace(/\/$/, '');
const events = async (query: Record<string, string> = {}): Promise<Row[]> =>
  ((await (await fetch(`${collector()}/api/events?${new URLSearchParams(query)}`)).json()) as { events: Row[] }).events;

/** The shop, signed in as `user`, and its inspector frame. */
async function visit(user: string): Promise<{ page: Page; inspector: FrameLocator }> {
  const context = await newContext(rig);
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(demo.urls.site!);
  await page.fill('#user', user);
  await page.click('#sign-in button');
  await page.waitForSelector(`#who:text("${user}")`);
  const inspector = page.frameLocator('#inspector');
  await inspector.locator('#live:text("live")').waitFor();
  return { page, inspector };
}

/** Inspector rows of `user` (the distinct_id column). */
const rowsOf = (inspector: FrameLocator, user: string) =>
  inspector.locator('#events tbody tr').filter({ has: inspector.locator(`td:nth-child(3):text-is("${user}")`) });

test('the banner, the inspector and both data requests, end to end', async () => {
  // Someone else's data, which must survive ada's requests.
  const bob = await visit('bob');
  await bob.page.click('#accept');
  await bob.page.click('[data-product="espresso"]');
  await until(() => events({ distinct_id: 'bob', event: 'Added to Cart' }).then((e) => e.length > 0));

  const { page, inspector } = await visit('ada');
  expect(await page.textContent('#consent')).toBe('off (not asked yet)');
  await page.click('[data-product="espresso"]');
  await pause(800); // longer than the page's batch interval
  expect(await events({ distinct_id: 'ada' })).toEqual([]);
  expect(await rowsOf(inspector, 'ada').count()).toBe(0);

  // Accept: events appear in the inspector without a reload.
  await page.click('#accept');
  await page.click('[data-product="flat white"]');
  await page.click('#checkout');
  await rowsOf(inspector, 'ada').filter({ hasText: 'Checked Out' }).waitFor();
  await rowsOf(inspector, 'ada').filter({ hasText: 'Added to Cart' }).waitFor();
  await inspector.locator('#profiles tbody tr', { hasText: 'ada' }).waitFor();

  // Download my data: exactly ada's events, none of bob's.
  await page.click('#download');
  const link = await page.waitForSelector('#download-link:visible', { timeout: 20000 });
  const file = (await (await fetch((await link.getAttribute('href'))!)).json()) as { events: Row[]; profiles: Row[] };
  const adas = await events({ distinct_id: 'ada' });
  expect(file.events.map((e) => e.event).sort()).toEqual(adas.map((e) => e.event).sort());
  expect(file.events.map((e) => e.event)).toEqual(expect.arrayContaining(['$opt_in', 'Added to Cart', 'Checked Out']));
  expect(new Set(file.events.map((e) => e.distinct_id))).toEqual(new Set(['ada']));
  expect(file.profiles.map((p) => p.distinct_id)).toEqual(['ada']);

  // Reject: clicks no longer reach the collector.
  await page.click('#reject');
  expect(await page.textContent('#consent')).toBe('off');
  const shown = await rowsOf(inspector, 'ada').count();
  await page.click('[data-product="cold brew"]');
  await page.click('#checkout');
  await pause(800);
  expect(await events({ distinct_id: 'ada' })).toHaveLength(adas.length);
  expect(await rowsOf(inspector, 'ada').count()).toBe(shown);

  // Delete my data: the job runs on the collector and ada's rows disappear from the inspector.
  await page.click('#delete');
  await page.waitForSelector('#request-status:text("deletion: SUCCESS")', { timeout: 20000 });
  await until(async () => (await rowsOf(inspector, 'ada').count()) === 0);
  await until(async () => (await inspector.locator('#profiles tbody tr', { hasText: 'ada' }).count()) === 0);
  expect(await events({ distinct_id: 'ada' })).toEqual([]);
  expect(await rowsOf(inspector, 'bob').count()).toBeGreaterThan(0);

  // Ctrl-C (SIGTERM here): a clean stop, and the data stays in the file.
  for (const context of contexts) await context.close();
  expect(await demo.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(demo.output()).toContain(`data kept in ${db}`);
  const file2 = new Database(db, { readonly: true });
  try {
    const count = (who: string) => (file2.prepare('SELECT count(*) AS n FROM events WHERE distinct_id = ?').get(who) as { n: number }).n;
    expect(count('bob')).toBeGreaterThan(0);
    expect(count('ada')).toBe(0);
  } finally {
    file2.close();
  }
});
