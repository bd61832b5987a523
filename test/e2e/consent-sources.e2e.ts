/**
 * Consent sources in real Chromium against the real collector: the script-tag builds of heed, its
 * consent sources and the fake CMPs of heed/testing on test pages. Every case checks the requests
 * that arrived and every kind of storage, as consent.e2e.ts does.
 */
import type { BrowserContext, Frame, Page } from 'playwright-core';
import type * as Sources from '../../src/consent/sources';
import type { FakeTcfCmp, TcfChoice } from '../../src/testing';
import type { Heed, InitConfig } from '../../src/types';
import { events, ingestRequests, listStorage, newContext, pause, storageCount, until, useRig } from './rig';

type Bound<F> = F extends (heed: never, ...rest: infer A) => infer R ? (...args: A) => R : never;
/** What the script-tag build of the sources adds to the default instance. */
type ConsentWithSources = Heed['consent'] & { [K in keyof typeof Sources]: Bound<(typeof Sources)[K]> };

declare global {
  var heed: Heed;
  var cmp: FakeTcfCmp;
  var changes: string[];
}

const TOKEN = 'e2e-sources';
const FLAG = `__mp_opt_in_out_${TOKEN}`;
const PROFILE = `mp_${TOKEN}_mixpanel`;
const QUIET = 400;
const YES: TcfChoice = { purposes: [1, 8] };
const NO: TcfChoice = { purposes: [] };
const GPC = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });`;

const rig = useRig();
let context: BrowserContext;


const url = (page: string) => rig.pageUrl.replace('index.html', page);

/**
 * Start heed on a page (or frame) the way an app would: init, attach a source, track the page view.
 * `changes` records every onConsentChange as `status:source`.
 */
async function start(
  target: Page | Frame,
  source: 'fromTCF' | 'fromConsentMode',
  options: Record<string, unknown> = {},
  config: InitConfig = {},
): Promise<void> {
  await target.evaluate(
    ([token, cfg, name, opts]) => {
      window.changes = [];
      heed.init(token as string, cfg as InitConfig);
      heed.onConsentChange((s, from) => void window.changes.push(`${s}:${from}`));
      (heed.consent as ConsentWithSources)[name as 'fromTCF'](opts as never);
      heed.track_pageview();
    },
    // Plain data on the way into the page (InitConfig's function options cannot cross it anyway).
    [TOKEN, { api_host: rig.apiHost, batch_flush_interval_ms: 100, ...config } as Record<string, unknown>, source, options] as const,
  );
}

async function open(page: string, initScript?: string): Promise<Page> {
  context = await newContext(rig, initScript);
  const p = await context.newPage();
  await p.goto(url(page));
  return p;
}

const status = (p: Page | Frame) => p.evaluate(() => heed.consent.status());
const names = async () => (await events(rig)).map((e) => e.event);
const optIns = () => events(rig, { event: '$opt_in' });
/** Wait for a consent change seen in the page (an event, not a sleep). */
const changed = (p: Page | Frame, to: string) => p.waitForFunction((c) => window.changes.indexOf(c) >= 0, to);

describe('TCF: a new visitor', () => {
  test('the banner is pending (nothing sent or stored); accepting sends one $opt_in from "tcf" and stores the grant', async () => {
    const page = await open('cmp-tcf.html');
    await start(page, 'fromTCF', {}, { opt_out_tracking_by_default: true });
    await page.evaluate(() => cmp.load());
    expect(await status(page)).toBe('pending');
    await pause(QUIET);
    expect(await ingestRequests(rig)).toHaveLength(0);
    expect(storageCount(await listStorage(page))).toBe(0);

    await page.evaluate((c) => cmp.userAction(c), YES);
    const [optIn] = await until(() => optIns().then((e) => e.length && e));
    expect(optIn.properties.$consent_source).toBe('tcf');
    const storage = await listStorage(page);
    expect(Object.keys(storage.localStorage).sort()).toEqual([FLAG, PROFILE]);
    expect(storage.localStorage[FLAG]).toBe('1');
    expect(storage.cookies).toEqual([]);
    await page.evaluate(() => heed.track('after consent'));
    await until(() => events(rig, { event: 'after consent' }).then((e) => e.length));
    expect((await names()).sort()).toEqual(['$opt_in', 'after consent']); // the page view before consent was dropped
  });

  test('denying stores the opt-out and sends nothing; the returning visitor is denied again, still with nothing sent', async () => {
    const page = await open('cmp-tcf.html');
    await start(page, 'fromTCF');
    await page.evaluate(() => cmp.load());
    await page.evaluate((c) => cmp.userAction(c), NO);
    await changed(page, 'denied:tcf');
    await page.evaluate(() => heed.track('ignored'));
    await pause(QUIET);
    expect(await ingestRequests(rig)).toHaveLength(0);
    expect((await listStorage(page)).localStorage).toEqual({ [FLAG]: '0' });

    await page.reload();
    await start(page, 'fromTCF');
    await page.evaluate((c) => cmp.load(c), NO);
    await pause(QUIET);
    expect(await status(page)).toBe('denied');
    expect(await ingestRequests(rig)).toHaveLength(0);
    const storage = await listStorage(page);
    expect(storage.localStorage).toEqual({ [FLAG]: '0' });
    expect(storage.cookies).toEqual([]);
    expect(storage.indexedDB).toEqual([]);
  });

  test('a returning visitor who accepted: the page view tracked while the CMP loads is sent, and no second $opt_in', async () => {
    const page = await open('cmp-tcf.html');
    await start(page, 'fromTCF', {}, { opt_out_tracking_by_default: true });
    await page.evaluate(() => cmp.load());
    await page.evaluate((c) => cmp.userAction(c), YES);
    await until(() => optIns().then((e) => e.length));

    await page.reload();
    await start(page, 'fromTCF', {}, { opt_out_tracking_by_default: true });
    expect(await status(page)).toBe('pending');
    await page.evaluate((c) => cmp.load(c), YES); // tcloaded with the stored choice
    await until(() => events(rig, { event: '$mp_web_page_view' }).then((e) => e.length));
    await pause(QUIET);
    expect((await names()).sort()).toEqual(['$mp_web_page_view', '$opt_in']);
    expect((await listStorage(page)).localStorage[FLAG]).toBe('1');
  });

  test('withdrawing later: the reopened banner pauses tracking, "no" opts out and purges, without a profile delete', async () => {
    const page = await open('cmp-tcf.html');
    await start(page, 'fromTCF', {}, { opt_out_tracking_by_default: true });
    await page.evaluate(() => cmp.load());
    await page.evaluate((c) => cmp.userAction(c), YES);
    await until(() => optIns().then((e) => e.length));
    await page.evaluate(() => {
      heed.identify('user-1');
      heed.register({ plan: 'pro' });
    });
    await until(() => events(rig, { event: '$identify' }).then((e) => e.length));

    await page.evaluate(() => cmp.showUi());
    expect(await status(page)).toBe('pending');
    expect((await listStorage(page)).localStorage[FLAG]).toBe('1'); // reopening is not withdrawing
    await page.evaluate(() => heed.track('while the banner is open'));
    await page.evaluate((c) => cmp.userAction(c), NO);
    await changed(page, 'denied:tcf');
    await pause(QUIET);
    expect((await ingestRequests(rig)).filter((r) => /engage/.test(r.path))).toEqual([]); // no $delete
    expect((await names()).sort()).toEqual(['$identify', '$opt_in']);
    const storage = await listStorage(page);
    expect(storage.localStorage).toEqual({ [FLAG]: '0' });
    expect(storage.cookies).toEqual([]);
  });
});

describe('TCF: what the CMP says about GDPR and about itself', () => {
  test('gdprApplies false: no decision, the tracker’s default (granted) applies and nothing is persisted', async () => {
    const page = await open('cmp-tcf.html?gdpr=0');
    await start(page, 'fromTCF');
    await page.evaluate(() => cmp.load());
    await until(() => events(rig, { event: '$mp_web_page_view' }).then((e) => e.length));
    expect((await listStorage(page)).localStorage[FLAG]).toBeUndefined();
  });

  test('a CMP in error denies this page view only: nothing sent, the earlier grant kept', async () => {
    const page = await open('cmp-tcf.html', `localStorage.setItem(${JSON.stringify(FLAG)}, '1')`);
    await page.evaluate((c) => {
      cmp.load(c);
      cmp.error();
    }, YES);
    await start(page, 'fromTCF');
    expect(await status(page)).toBe('denied');
    await page.evaluate(() => heed.track('ignored'));
    await pause(QUIET);
    expect(await ingestRequests(rig)).toHaveLength(0);
    // The earlier grant stands (init stored the profile under it); the error changed nothing stored.
    expect(Object.keys((await listStorage(page)).localStorage).sort()).toEqual([FLAG, PROFILE]);
    expect((await listStorage(page)).localStorage[FLAG]).toBe('1');
  });

  test('a slow CMP: denied for the page view after the timeout, then a late accept opts in', async () => {
    const page = await open('cmp-tcf.html');
    await start(page, 'fromTCF', { timeoutMs: 300 }, { opt_out_tracking_by_default: true });
    await changed(page, 'denied:tcf');
    expect(storageCount(await listStorage(page))).toBe(0);
    await page.evaluate(() => cmp.load());
    expect(await status(page)).toBe('pending');
    await page.evaluate((c) => cmp.userAction(c), YES);
    await until(() => optIns().then((e) => e.length));
    await pause(QUIET);
    expect(await names()).toEqual(['$opt_in']);
    expect((await listStorage(page)).localStorage[FLAG]).toBe('1');
  });

  test('no CMP on the page: no decision (the default applies); with requireCmp the page view is denied', async () => {
    const page = await open('cmp-tcf.html?nocmp');
    await start(page, 'fromTCF');
    await until(() => events(rig, { event: '$mp_web_page_view' }).then((e) => e.length));
    expect((await listStorage(page)).localStorage[FLAG]).toBeUndefined();

    await fetch(`${rig.collector.url}/api/reset`, { method: 'POST' });
    await page.reload();
    await start(page, 'fromTCF', { requireCmp: true });
    expect(await status(page)).toBe('denied');
    await pause(QUIET);
    expect(await ingestRequests(rig)).toHaveLength(0);
    expect((await listStorage(page)).localStorage[FLAG]).toBeUndefined();
  });
});

describe('TCF and Global Privacy Control', () => {
  test('without an explicit accept (a stored choice, tcloaded): nothing is sent and nothing stored', async () => {
    const page = await open('cmp-tcf.html', GPC);
    await start(page, 'fromTCF');
    await page.evaluate((c) => cmp.load(c), YES);
    await pause(QUIET);
    expect(await status(page)).toBe('denied');
    expect(await ingestRequests(rig)).toHaveLength(0);
    expect(storageCount(await listStorage(page))).toBe(0);
  });

  test('with an explicit accept in the banner (useractioncomplete): opted in', async () => {
    const page = await open('cmp-tcf.html', GPC);
    await start(page, 'fromTCF');
    await page.evaluate(() => cmp.load());
    await page.evaluate((c) => cmp.userAction(c), YES);
    await until(() => optIns().then((e) => e.length));
    expect((await listStorage(page)).localStorage[FLAG]).toBe('1');
  });

  test("gpc: 'strict' keeps even an explicit accept out, persisting nothing", async () => {
    const page = await open('cmp-tcf.html', GPC);
    await start(page, 'fromTCF', { gpc: 'strict' });
    await page.evaluate(() => cmp.load());
    await page.evaluate((c) => cmp.userAction(c), YES);
    await pause(QUIET);
    expect(await status(page)).toBe('denied');
    expect(await ingestRequests(rig)).toHaveLength(0);
    expect(storageCount(await listStorage(page))).toBe(0);
  });
});

test('TCF from inside a frame: the __tcfapiLocator postMessage path', async () => {
  const page = await open('cmp-frame.html');
  const frame = page.frame({ name: 'app' })!;
  await frame.waitForFunction(() => typeof heed === 'object' && document.readyState === 'complete');
  expect(await frame.evaluate(() => typeof (window as unknown as { __tcfapi?: unknown }).__tcfapi)).toBe('undefined');
  await start(frame, 'fromTCF', {}, { opt_out_tracking_by_default: true });
  await page.evaluate(() => cmp.load());
  expect(await status(frame)).toBe('pending');
  await page.evaluate((c) => cmp.userAction(c), YES);
  const [optIn] = await until(() => optIns().then((e) => e.length && e));
  expect(optIn.properties.$consent_source).toBe('tcf');
  expect(await page.evaluate(() => cmp.commands)).toEqual(['addEventListener']);
});

test('Consent Mode with the real gtag snippet: the returning visitor’s page view waits for the CMP’s update', async () => {
  const page = await open('cmp-gtag.html', `localStorage.setItem(${JSON.stringify(FLAG)}, '1')`);
  await start(page, 'fromConsentMode');
  expect(await status(page)).toBe('pending'); // default denied, wait_for_update 2000
  await pause(QUIET);
  expect(await ingestRequests(rig)).toHaveLength(0);
  await page.evaluate(() => (window as unknown as { gtag: (...a: unknown[]) => void }).gtag('consent', 'update', { analytics_storage: 'granted' }));
  await until(() => events(rig, { event: '$mp_web_page_view' }).then((e) => e.length));
  await pause(QUIET);
  expect(await names()).toEqual(['$mp_web_page_view']);

  await page.evaluate(() => (window as unknown as { gtag: (...a: unknown[]) => void }).gtag('consent', 'update', { analytics_storage: 'denied' }));
  await changed(page, 'denied:consent-mode');
  expect((await listStorage(page)).localStorage).toEqual({ [FLAG]: '0' });
});
