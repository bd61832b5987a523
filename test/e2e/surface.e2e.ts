/**
 * What mixpanel-browser users rely on, in real Chromium against the collector: single-page-app
 * page views, beacons that survive a navigation, link tracking. Copies are counted on the wire
 * (the collector's request log), not only as stored rows.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Heed } from '../../src/types';
import { events, eventsAtLeast, newContext, pause, until, useRig } from './rig';

declare global {
  var heed: Heed;
}

const TOKEN = 'surface-token';
const rig = useRig();
let context: BrowserContext;
beforeEach(async () => {
  context = await newContext(rig);
});

/** Items that arrived at /track, counting every copy (the stored rows are de-duplicated). */
async function onTheWire(): Promise<{ items: number; duplicates: number }> {
  const res = await fetch(`${rig.collector.url}/api/requests`);
  const rows = ((await res.json()) as { requests: Array<{ path: string; method: string; received?: number; items: number; duplicates?: number }> }).requests;
  const track = rows.filter((r) => /^\/track\/?$/.test(r.path) && r.method !== 'OPTIONS');
  return { items: track.reduce((n, r) => n + (r.received ?? r.items), 0), duplicates: track.reduce((n, r) => n + (r.duplicates ?? 0), 0) };
}

async function open(config: Record<string, unknown>): Promise<Page> {
  const page = await context.newPage();
  await page.goto(rig.pageUrl);
  await page.evaluate(([t, cfg]) => void heed.init(t as string, cfg as Record<string, unknown>), [TOKEN, { api_host: rig.apiHost, batch_flush_interval_ms: 100, ...config }] as const);
  return page;
}
const pageViews = async () => (await events(rig, { event: '$mp_web_page_view' })).map((e) => String(e.properties.$current_url).replace(/^https?:\/\/[^/]+/, ''));

test("track_pageview 'full-url': one page view per URL through pushState, replaceState, back and hash changes, each once on the wire", async () => {
  const page = await open({ track_pageview: 'full-url' });
  await page.evaluate(() => {
    history.pushState({}, '', '/pages/index.html?step=2');
    history.pushState({}, '', '/pages/index.html?step=2'); // the same URL: no second view
    history.replaceState({}, '', '/pages/index.html?step=3');
    location.hash = 'details';
  });
  await page.waitForFunction(() => location.hash === '#details');
  await page.goBack(); // back to ?step=3 without the hash: popstate
  await until(async () => (await pageViews()).length >= 5);
  await page.evaluate(() => heed.flush());
  await pause(300);
  expect(await pageViews()).toEqual(['/pages/index.html', '/pages/index.html?step=2', '/pages/index.html?step=3', '/pages/index.html?step=3#details', '/pages/index.html?step=3']);
  expect(await onTheWire()).toEqual({ items: 5, duplicates: 0 });
});

test("'url-with-path': query and hash changes are not page views; before consent none, on Accept the current one", async () => {
  const page = await open({ track_pageview: 'url-with-path', opt_out_tracking_by_default: true });
  await page.evaluate(() => {
    history.pushState({}, '', '/pages/a?x=1');
    history.pushState({}, '', '/pages/b');
  });
  await pause(300);
  expect(await onTheWire()).toEqual({ items: 0, duplicates: 0 });
  await page.evaluate(() => heed.opt_in_tracking());
  await page.evaluate(() => {
    history.pushState({}, '', '/pages/b?y=2');
    history.pushState({}, '', '/pages/b#h');
    history.pushState({}, '', '/pages/c');
  });
  await until(async () => (await pageViews()).length >= 2);
  await page.evaluate(() => heed.flush());
  expect(await pageViews()).toEqual(['/pages/b', '/pages/c']);
});

test("track(..., { transport: 'sendBeacon' }) then leaving at once: the event arrives, once", async () => {
  const page = await open({ batch_flush_interval_ms: 60_000 });
  await page.evaluate((away) => {
    heed.track('leaving', { to: 'checkout' }, { transport: 'sendBeacon' });
    location.href = away;
  }, rig.pageUrl.replace('index.html', 'delivery-away.html'));
  await page.waitForURL(/delivery-away/);
  const [e] = await eventsAtLeast(rig, { event: 'leaving' });
  expect(e.properties.to).toBe('checkout');
  await pause(500);
  expect(await onTheWire()).toEqual({ items: 1, duplicates: 0 });
});

test('track_links: the click is tracked and the link is followed at once', async () => {
  const page = await open({ batch_flush_interval_ms: 60_000 });
  const away = rig.pageUrl.replace('index.html', 'delivery-away.html');
  await page.evaluate((href) => {
    const a = document.createElement('a');
    a.id = 'go';
    a.href = href;
    a.textContent = 'Go';
    document.body.appendChild(a);
    heed.track_links('#go', 'Link clicked', { place: 'footer' });
  }, away);
  const started = Date.now();
  await page.click('#go');
  await page.waitForURL(/delivery-away/);
  expect(Date.now() - started).toBeLessThan(2000); // not held back for a reply
  const [e] = await eventsAtLeast(rig, { event: 'Link clicked' });
  expect(e.properties).toMatchObject({ place: 'footer', url: away });
});
