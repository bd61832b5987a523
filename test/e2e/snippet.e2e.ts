/** The script-tag snippet: calls queued before the bundle loads are replayed in order. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Heed } from '../../src/types';
import { events, eventsAtLeast, ingestRequests, listStorage, newContext, pause, useRig } from './rig';

type Loaded = Heed & { _q?: unknown[]; other: Heed };
declare global {
  interface Window {
    queuedBeforeLoad: number;
    distinctBeforeLoad: unknown;
  }
}

let context: BrowserContext;
// Pages a test writes, served by the collector itself: a page Playwright fulfils is not on the
// loopback address space, and Chromium's Local Network Access would block its requests.
const written = mkdtempSync(join(tmpdir(), 'heed-pages-'));
const rig = useRig({ '/written/': written });
beforeEach(async () => {
  context = await newContext(rig);
});

async function load(kind: string, lib?: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query = new URLSearchParams({ case: kind, api: rig.apiHost, ...(lib ? { lib } : {}) });
  await page.goto(`http://127.0.0.1:${rig.collector.port}/pages/snippet.html?${query}`);
  return { page, errors };
}

const loaded = (page: Page) => page.waitForFunction(() => !(window.heed as unknown as Loaded)._q);

test('track(a), opt_out_tracking(), track(b), identify(u1) queued before load: nothing sent, only the flag stored', async () => {
  const { page, errors } = await load('optout');
  expect(await page.evaluate(() => [window.queuedBeforeLoad, window.distinctBeforeLoad])).toEqual([5, undefined]);
  await loaded(page);
  expect(await page.evaluate(() => window.heed.consent.status())).toBe('denied');
  await page.evaluate(() => window.heed.flush());
  await pause(500);
  expect(await ingestRequests(rig)).toHaveLength(0);
  const storage = await listStorage(page);
  expect(storage.localStorage).toEqual({ '__mp_opt_in_out_snippet-token': '0' });
  expect(storage.cookies).toEqual([]);
  expect(storage.indexedDB).toEqual([]);
  expect(errors).toEqual([]);
});

test('people, get_group chains and named instances replay in the order they were called', async () => {
  const { page } = await load('order');
  await loaded(page);
  await page.evaluate(() => Promise.all([window.heed.flush(), (window.heed as Loaded).other.flush()]));
  const c = (await eventsAtLeast(rig, { event: 'c' }))[0];
  expect(c.distinct_id).toBe('u2'); // identify ran before track('c')
  expect(c.properties.source).toBe('snippet'); // register ran before it too
  const other = (await eventsAtLeast(rig, { event: 'from other' }))[0];
  expect(other.properties.token).toBe('snippet-token-2');
  const profile = await (await fetch(`${rig.collector.url}/api/profiles/u2`)).json();
  expect(profile.properties).toMatchObject({ plan: 'pro' });
  const group = await (await fetch(`${rig.collector.url}/api/groups/company/acme`)).json();
  expect(group.properties).toMatchObject({ name: 'Acme' });
  // After load, calls go straight through.
  await page.evaluate(() => window.heed.track('after load', {}, { send_immediately: true }));
  await eventsAtLeast(rig, { event: 'after load' });
});

test('a bundle that fails to load leaves the page working', async () => {
  const { page, errors } = await load('order', '/dist/missing.js');
  await pause(300);
  expect(await page.evaluate(() => {
    window.heed.track('still queued');
    return (window.heed as unknown as Loaded)._q!.length;
  })).toBeGreaterThan(5);
  expect(await page.evaluate(() => document.querySelector('p')!.textContent)).toBe('snippet page');
  expect(errors).toEqual([]);
  expect(await events(rig)).toHaveLength(0);
});

test('including the snippet and the bundle twice keeps the first instance and its state', async () => {
  const { page } = await load('none');
  await loaded(page);
  const same = await page.evaluate(async () => {
    const first = window.heed;
    const id = first.get_distinct_id();
    const add = (src: string) =>
      new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = src;
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    await add('/dist/heed-snippet.min.js');
    await add('/dist/heed.iife.min.js');
    return window.heed === first && window.heed.get_distinct_id() === id;
  });
  expect(same).toBe(true);
});

describe("README's consent banner, run unchanged with the snippet and with a plain script tag", () => {
  const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const banner = /```html\n(<div id="banner"[\s\S]*?)```/.exec(README)![1];
  const snippet = readFileSync(join(__dirname, '..', '..', 'dist', 'heed-snippet.min.js'), 'utf8');
  // Only the project token and the host change: the page talks to the test collector.
  const code = () => banner.replace("heed.init('YOUR_PROJECT_TOKEN', {", `heed.init('banner-token', { api_host: '${rig.apiHost}',`);
  const pages: Record<string, () => string> = {
    snippet: () => `<!doctype html><script>window.HEED_LIB_URL = '/dist/heed.iife.min.js';</script><script>${snippet}</script>${code()}`,
    'plain script tag': () => `<!doctype html><script src="/dist/heed.iife.min.js"></script>${code()}`,
  };

  for (const [kind, html] of Object.entries(pages)) {
    test(`${kind}: the banner shows while pending, Accept sends $opt_in, a returning visitor is not asked`, async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const name = `banner-${kind.replace(/ /g, '-')}.html`;
      writeFileSync(join(written, name), html());
      await page.goto(`http://127.0.0.1:${rig.collector.port}/written/${name}`);
      await page.waitForSelector('#banner:visible');
      expect(await ingestRequests(rig)).toHaveLength(0);
      await page.click('#yes');
      await eventsAtLeast(rig, { event: '$opt_in' });
      expect(await page.isVisible('#banner')).toBe(false);
      await page.reload();
      await page.waitForFunction(() => !(window.heed as unknown as Loaded)._q && window.heed.consent.status() === 'granted');
      expect(await page.isVisible('#banner')).toBe(false);
      expect(errors).toEqual([]);
    });
  }

  test('consent.* and onConsentChange are queued by the snippet and replayed', async () => {
    const page = await context.newPage();
    const body = `<!doctype html><script>window.HEED_LIB_URL = '/dist/heed.iife.min.js';</script><script>${snippet}</script><script>
      window.heard = [];
      heed.init('queued-token', { api_host: '${rig.apiHost}', opt_out_tracking_by_default: true });
      heed.onConsentChange((status, source) => window.heard.push(status + ':' + source));
      heed.consent.hold('pending', 'cmp');
      window.before = heed.consent.status();
    </script>`;
    writeFileSync(join(written, 'queued.html'), body);
    await page.goto(`http://127.0.0.1:${rig.collector.port}/written/queued.html`);
    await loaded(page);
    expect(await page.evaluate(() => (window as unknown as { before: unknown }).before)).toBeUndefined();
    expect(await page.evaluate(() => window.heed.consent.status())).toBe('pending');
    await page.evaluate(() => window.heed.opt_in_tracking());
    expect(await page.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual(['granted:api']);
  });

  test('consent.grant / consent.deny per purpose are queued and replayed in order, with the tracks between them', async () => {
    const page = await context.newPage();
    const body = `<!doctype html><script>window.HEED_LIB_URL = '/dist/heed.iife.min.js';</script><script>${snippet}</script><script>
      heed.init('purpose-token', { api_host: '${rig.apiHost}', purposes: ['analytics', 'marketing'], opt_out_tracking_by_default: true });
      heed.consent.deny('marketing');
      heed.consent.grant(['analytics']);
      heed.track('ad', {}, { purpose: 'marketing' });
      heed.track('view');
    </script>`;
    writeFileSync(join(written, 'purposes.html'), body);
    await page.goto(`http://127.0.0.1:${rig.collector.port}/written/purposes.html`);
    await loaded(page);
    expect(await page.evaluate(() => [window.heed.consent.own().purposes, window.heed.consent.records().length])).toEqual([{ analytics: 'granted', marketing: 'denied' }, 2]);
    await page.evaluate(() => window.heed.flush());
    await eventsAtLeast(rig, { event: 'view' });
    await pause(300);
    expect((await events(rig)).map((e) => e.event).sort()).toEqual(['$opt_in', 'view']);
  });
});
