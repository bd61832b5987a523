/**
 * Consent per purpose (issue 14) in real Chromium against the real collector: what arrives is
 * counted at the collector (events and ingestion requests), and every kind of storage is listed,
 * the IndexedDB outbox's contents included.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Heed, InitConfig } from '../../src/types';
import { events, eventsAtLeast, ingestRequests, listStorage, newContext, pause, until, useRig } from './rig';

declare global {
  var heed: Heed;
}

const TOKEN = 'e2e-purposes';
const FLAG = `__mp_opt_in_out_${TOKEN}`;
const KEY = FLAG + '_purposes';
const TWO: InitConfig = { purposes: ['analytics', 'marketing'], opt_out_tracking_by_default: true };
const QUIET = 400;

const rig = useRig();
let context: BrowserContext;


async function open(config: InitConfig, initScript?: string): Promise<Page> {
  context = await newContext(rig, initScript);
  const page = await context.newPage();
  await page.goto(rig.pageUrl);
  await page.evaluate(([token, cfg]) => void heed.init(token as string, cfg as InitConfig), [TOKEN, { api_host: rig.apiHost, ...config } as Record<string, unknown>] as const);
  return page;
}

/** Every item in heed's IndexedDB outbox, as `event/purpose` (the database may not exist). */
const outbox = (page: Page) =>
  page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'heed')) return [];
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('heed');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    if (!db.objectStoreNames.contains('outbox')) return db.close(), [];
    const all = await new Promise<Array<{ p: Array<{ event: string; properties: Record<string, unknown> }> }>>((ok) => {
      const r = db.transaction('outbox').objectStore('outbox').getAll();
      r.onsuccess = () => ok(r.result);
    });
    db.close();
    return all.flatMap((b) => b.p.map((e) => `${e.event}/${e.properties.$purpose}`)).sort();
  });

const arrived = async () => (await events(rig)).map((e) => `${e.event}/${e.properties.$purpose}`).sort();

test('analytics granted and marketing denied: only analytics events leave, nothing of marketing is stored', async () => {
  const page = await open({ ...TWO, batch_flush_interval_ms: 60_000 });
  await page.evaluate(() => {
    heed.consent.deny('marketing');
    heed.consent.grant('analytics');
  });
  // A grant first adopts what earlier pages left and sends what is queued then ($opt_in): queue after it.
  await eventsAtLeast(rig, { event: '$opt_in' });
  await until(() => listStorage(page).then((s) => s.indexedDB.indexOf('heed') >= 0), 5000);
  await page.evaluate(() => {
    heed.track('view', {}, { purpose: 'analytics' });
    heed.track('ad click', {}, { purpose: 'marketing' });
    heed.track('retarget', {}, { purpose: 'marketing' });
  });
  // The view is persisted in the outbox (written once per task); the marketing events never were.
  const queued = await until(() => outbox(page).then((o) => (o.indexOf('view/analytics') >= 0 ? o : undefined)), 5000);
  expect(queued.filter((e) => !e.endsWith('/analytics'))).toEqual([]);
  const storage = await listStorage(page);
  expect(JSON.stringify(storage)).not.toMatch(/ad click|retarget/);
  expect(JSON.parse(storage.localStorage[KEY]).a.marketing[0]).toBe('denied');
  expect(storage.cookies).toEqual([]);
  await page.evaluate(() => heed.flush());
  await eventsAtLeast(rig, { event: 'view' });
  await pause(QUIET);
  expect(await arrived()).toEqual(['$opt_in/analytics', 'view/analytics']);
  expect(await ingestRequests(rig)).toHaveLength(2); // $opt_in at once, then the batch
  const [optIn] = await events(rig, { event: '$opt_in' });
  expect(optIn.properties.$consent_purposes).toEqual({ analytics: 'granted', marketing: 'denied' });
});

test('withdrawing marketing later drops its queued events, in memory and in IndexedDB, and keeps analytics', async () => {
  const page = await open({ ...TWO, batch_flush_interval_ms: 60_000 });
  await page.evaluate(() => heed.opt_in_tracking());
  // A grant first adopts what earlier pages left and sends what is queued then ($opt_in): queue after it.
  await eventsAtLeast(rig, { event: '$opt_in' });
  await until(() => listStorage(page).then((s) => s.indexedDB.indexOf('heed') >= 0), 5000);
  await page.evaluate(() => {
    for (let i = 0; i < 3; i++) heed.track('a' + i, {}, { purpose: 'analytics' });
    for (let i = 0; i < 3; i++) heed.track('m' + i, {}, { purpose: 'marketing' });
  });
  expect(await until(() => outbox(page).then((o) => (o.length >= 6 ? o : undefined)), 5000)).toEqual(['a0/analytics', 'a1/analytics', 'a2/analytics', 'm0/marketing', 'm1/marketing', 'm2/marketing']);
  const results = await page.evaluate(() => {
    heed.consent.deny('marketing');
    return [heed.consent.status('analytics'), heed.consent.status('marketing'), heed.get_distinct_id()];
  });
  expect(results.slice(0, 2)).toEqual(['granted', 'denied']);
  expect(await until(() => outbox(page).then((o) => (o.length === 3 ? o : undefined)), 5000)).toEqual(['a0/analytics', 'a1/analytics', 'a2/analytics']);
  await page.evaluate(() => heed.flush());
  await eventsAtLeast(rig, { event: 'a2' });
  await pause(QUIET);
  expect(await arrived()).toEqual(['$opt_in/analytics', 'a0/analytics', 'a1/analytics', 'a2/analytics']);
  expect(await ingestRequests(rig)).toHaveLength(2); // $opt_in, then the batch
  // The profile stays: analytics is still granted.
  expect(Object.keys((await listStorage(page)).localStorage).sort()).toEqual([FLAG, KEY, `mp_${TOKEN}_mixpanel`]);
});

test('a full opt-out leaves only the flag and sends nothing more', async () => {
  const page = await open({ ...TWO, consent_notice_version: 'v1', batch_flush_interval_ms: 60_000 });
  await page.evaluate(() => {
    heed.consent.grant(['analytics', 'marketing'], { track: false });
    heed.track('queued', {}, { purpose: 'marketing' });
    heed.consent.deny('analytics');
    heed.consent.deny('marketing');
  });
  const after = await until(() => listStorage(page).then((s) => (s.indexedDB.length === 0 ? s : undefined)), 5000);
  expect(after).toEqual({ cookies: [], localStorage: { [FLAG]: '0' }, sessionStorage: {}, indexedDB: [] });
  await page.evaluate(() => heed.flush());
  await pause(QUIET);
  expect(await ingestRequests(rig)).toEqual([]);
});

test('an expired grant sends nothing and reports pending until the person answers again', async () => {
  // A grant of analytics made 31 days ago, as heed stores it.
  const old = JSON.stringify({ a: { analytics: ['granted', Date.now() - 31 * 864e5] }, r: [] });
  const page = await open({ ...TWO, consent_max_age_days: 30, batch_flush_interval_ms: 200 }, `localStorage.setItem(${JSON.stringify(FLAG)}, '1'); localStorage.setItem(${JSON.stringify(KEY)}, ${JSON.stringify(old)});`);
  expect(await page.evaluate(() => [heed.consent.status(), heed.consent.status('analytics'), heed.consent.own().expired])).toEqual(['pending', 'pending', ['analytics']]);
  await page.evaluate(() => {
    heed.track('while expired');
    return heed.flush();
  });
  await pause(QUIET);
  expect(await ingestRequests(rig)).toEqual([]);
  await page.evaluate(() => {
    heed.consent.grant('analytics');
    heed.track('answered again');
  });
  await eventsAtLeast(rig, { event: 'answered again' });
  expect(await arrived()).toEqual(['$opt_in/analytics', 'answered again/analytics']);
});
