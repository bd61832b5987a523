/**
 * `npm run demo`, clicked through in Chromium: the shop's banner, with the collector's inspector
 * beside it. Events show up only after Accept, stop after Reject, and vanish after "Delete my
 * data"; "Download my data" returns that person's data and no one else's. The inspector answers
 * the audit question from what arrived on the wire: no request before Accept, none after Reject
 * but the refusal itself, the consent changes in order on the person's timeline. Ctrl-C keeps the data.
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
  properties: Record<string, unknown>;
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
  inspector.locator('#events tbody tr').filter({ has: inspector.locator(`td:nth-child(3) a:text-is("${user}")`) });

/** The requests view's rows for a device id: when each arrived, and where to. */
async function requestsOf(inspector: FrameLocator, device: string): Promise<{ at: number; path: string }[]> {
  await inspector.locator('#tab-requests').click();
  await inspector.locator('#device').fill(device);
  const rows = inspector.locator('#requests tbody tr');
  await until(async () => (await rows.count()) > 0 && (await rows.locator('td:nth-child(7)').allTextContents()).every((t) => t.includes(device)));
  const out = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({ at: Date.parse(tr.querySelector('time')!.getAttribute('datetime')!), path: tr.querySelector('.path')!.textContent! })),
  );
  await inspector.locator('#device').fill('');
  await inspector.locator('#tab-events').click();
  return out;
}

test('the banner asks per purpose: with analytics only, no marketing event arrives; the inspector shows purposes and the record', async () => {
  const { page, inspector } = await visit('cy');
  await page.check('#c-analytics');
  await page.click('#save');
  await page.waitForSelector('#consent:text-is("on")');
  expect(await page.isChecked('#c-marketing')).toBe(false);
  await page.click('[data-product="espresso"]');
  await page.click('#checkout');
  await until(async () => (await events({ distinct_id: 'cy', event: 'Checked Out' })).length === 1);
  await pause(700); // past the demo's 500 ms batch interval: an offer would have arrived by now
  const rows = await events({ distinct_id: 'cy' });
  expect(rows.map((r) => `${r.event}/${r.properties.$purpose}`).sort()).toEqual(['$opt_in/analytics', 'Added to Cart/analytics', 'Checked Out/analytics']);
  const optIn = rows.find((r) => r.event === '$opt_in')!;
  expect(optIn.properties).toMatchObject({ $consent_purposes: { analytics: 'granted', marketing: 'denied' }, $consent_notice_version: '2026-12' });
  // The inspector: each event's purpose, and the record on $opt_in.
  const row = rowsOf(inspector, 'cy').filter({ hasText: '$opt_in' });
  await row.waitFor();
  expect(await row.locator('.purpose').textContent()).toBe('analytics');
  expect(await row.locator('.record').textContent()).toBe('analytics: granted marketing: denied by api notice 2026-12');
  // Marketing granted later: the next offer arrives, as a marketing event.
  await page.check('#c-marketing');
  await page.click('#save');
  await page.click('#checkout');
  await until(async () => (await events({ distinct_id: 'cy', event: 'Offer Shown' })).length === 1);
  expect((await events({ distinct_id: 'cy', event: 'Offer Shown' }))[0].properties.$purpose).toBe('marketing');
});

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
  const accepted = Date.now();
  await page.click('#accept');
  await page.click('[data-product="flat white"]');
  await page.click('#checkout');
  await rowsOf(inspector, 'ada').filter({ hasText: 'Checked Out' }).waitFor();
  await rowsOf(inspector, 'ada').filter({ hasText: 'Added to Cart' }).waitFor();
  await inspector.locator('#profiles tbody tr', { hasText: 'ada' }).waitFor();
  const device = String((await events({ distinct_id: 'ada', event: '$opt_in' }))[0]!.properties.$device_id);

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
  const rejected = Date.now();
  await page.click('#reject');
  expect(await page.textContent('#consent')).toBe('off');
  const shown = await rowsOf(inspector, 'ada').count();
  await page.click('[data-product="cold brew"]');
  await page.click('#checkout');
  await pause(800);
  expect(await events({ distinct_id: 'ada' })).toHaveLength(adas.length);
  expect(await rowsOf(inspector, 'ada').count()).toBe(shown);

  // The requests view, on the wire: this device sent nothing before Accept, and after Reject only
  // the refusal itself (the opt-out's one profile $delete).
  const wire = await requestsOf(inspector, device);
  expect(wire.filter((r) => r.at < accepted)).toEqual([]);
  expect(wire.filter((r) => r.at >= accepted).length).toBeGreaterThanOrEqual(3);
  expect(wire.filter((r) => r.at >= rejected).map((r) => r.path)).toEqual(['/engage/']);
  // A quiet stretch long enough to be drawn as one on the timeline.
  await pause(Math.max(0, 3300 - (Date.now() - rejected)));

  // Accept again: the signed-in shopper is named again, so new clicks are ada's, not a new $device:.
  const again = Date.now();
  await page.click('#accept');
  await page.click('[data-product="espresso"]');
  await until(() => events({ distinct_id: 'ada', event: 'Added to Cart' }).then((e) => e.length > 1));
  expect((await events()).filter((e) => e.distinct_id.startsWith('$device:'))).toEqual([]);
  const renamed = (await events({ event: '$identify' })).filter((e) => e.distinct_id === 'ada');
  expect(renamed).toHaveLength(1);
  expect(renamed[0]!.properties.$anon_distinct_id).toMatch(/^\$device:/);

  // The timeline (the banner's link opens it beside the shop): the consent changes in order, a
  // visible gap, and a refusal during which nothing arrived.
  await page.click('#audit');
  const consent = inspector.locator('#timeline-list li.kind-consent .title');
  await until(async () => (await consent.count()) === 3);
  expect(await consent.allTextContents()).toEqual(['opt-in ($opt_in)', 'opt-out: profile $delete', 'opt-in ($opt_in)']);
  const kinds = await inspector.locator('#timeline-list li').evaluateAll((lis) => lis.map((li) => li.className));
  const out = kinds.indexOf('kind-consent opt-out');
  expect(kinds[out + 1]).toBe('gap'); // "nothing arrived for 3.x s"
  expect(kinds[out + 2]).toBe('kind-consent opt-in');
  expect(await inspector.locator('#refusals li').allTextContents()).toEqual([expect.stringMatching(/^Refused at .*: nothing arrived until the opt-in at /)]);
  expect(await inspector.locator('#refusals li.good').count()).toBe(1);
  const second = Date.parse((await inspector.locator('#timeline-list li.opt-in time').nth(1).getAttribute('datetime'))!);
  expect(second).toBeGreaterThanOrEqual(again);
  expect(await inspector.locator('#timeline-axis line.mark').count()).toBeGreaterThanOrEqual(8);

  // The event-rate chart draws ada's and bob's events by name.
  await inspector.locator('#tab-events').click();
  await until(async () => (await inspector.locator('#rate-chart rect.bar').count()) > 0);
  expect(await inspector.locator('#rate-legend li').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Added to Cart \d+$/)]));

  // Delete my data: the job runs on the collector and ada's rows disappear from the inspector,
  // and her ids from the request log.
  await page.click('#delete');
  await page.waitForSelector('#request-status:text("deletion: SUCCESS")', { timeout: 20000 });
  await until(async () => (await rowsOf(inspector, 'ada').count()) === 0);
  await until(async () => (await inspector.locator('#profiles tbody tr', { hasText: 'ada' }).count()) === 0);
  expect(await events({ distinct_id: 'ada' })).toEqual([]);
  expect(await rowsOf(inspector, 'bob').count()).toBeGreaterThan(0);
  const log = (await (await fetch(`${collector()}/api/inspector/requests?distinct_id=ada`)).json()) as { requests: unknown[] };
  expect(log.requests).toEqual([]);
  await inspector.locator('#tasks tbody tr', { hasText: 'removed' }).waitFor();

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
