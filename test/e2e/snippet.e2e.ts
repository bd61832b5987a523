/** The script-tag snippet: calls queued before the bundle loads are replayed in order. */
import type { BrowserContext, Page } from 'playwright-core';
import type { Heed } from '../../src/types';
import { events, eventsAtLeast, ingestRequests, listStorage, newContext, pause, startRig, type Rig } from './rig';

type Loaded = Heed & { _q?: unknown[]; other: Heed };
declare global {
  interface Window {
    queuedBeforeLoad: number;
    distinctBeforeLoad: unknown;
  }
}

let rig: Rig;
let context: BrowserContext;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(() => rig?.close());
beforeEach(async () => {
  await fetch(`${rig.collector.url}/api/reset`, { method: 'POST' });
  context = await newContext(rig);
});
afterEach(() => context?.close());

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
