/**
 * The collector's live inspector, in Chromium: rows arrive without a reload and filters apply; the
 * requests view shows what arrived on the wire (copies included); GDPR tasks say whose data they
 * are for; the chart and the timeline draw; every time has its date; nothing loads from elsewhere.
 */
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { startCollector, type Collector } from '../../collector/src/index';
import { newContext, startRig, until, type Rig } from './rig';

let rig: Rig;
let context: BrowserContext;
beforeAll(async () => {
  rig = await startRig();
  context = await newContext(rig);
});
afterAll(async () => {
  await context?.close();
  await rig?.close();
});
beforeEach(() => fetch(`${rig.collector.url}/api/reset`, { method: 'POST' }));

/** The inspector page of `base`, live; every request it makes is recorded. */
async function inspectorAt(base: string, hash = ''): Promise<{ page: Page; urls: string[] }> {
  const page = await context.newPage();
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('#live:text("live")');
  return { page, urls };
}

/** A heed page sending to the rig's collector. */
async function site(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(rig.pageUrl);
  return page;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

test('events and profiles appear live, filterable by distinct_id and event name (substrings), with dates', async () => {
  const { page: inspector, urls } = await inspectorAt(rig.collector.url);
  expect(await inspector.locator('#events tbody tr').count()).toBe(0);

  const page = await site();
  await page.evaluate((host) => {
    heed.init('inspect-token', { api_host: host, batch_flush_interval_ms: 100 });
    heed.identify('ada');
    heed.people.set({ name: 'Ada' });
    heed.track('Clicked', { button: 'buy' });
    return heed.flush();
  }, rig.apiHost);

  // No reload: the page updates itself from the stream.
  await inspector.waitForSelector('#events tbody tr:has-text("Clicked")');
  await inspector.waitForSelector('#profiles tbody tr:has-text("ada")');
  const raw = await inspector.locator('#events tbody tr:has-text("Clicked") pre').textContent();
  expect(JSON.parse(raw!)).toMatchObject({ event: 'Clicked', properties: { button: 'buy', distinct_id: 'ada' } });
  const times = await inspector.locator('#events time, #profiles time').allTextContents();
  expect(times.length).toBeGreaterThanOrEqual(3);
  for (const time of times) expect(time).toMatch(DATE_TIME);

  await inspector.fill('#event', 'Nothing like this');
  await inspector.waitForFunction(() => document.querySelectorAll('#events tbody tr').length === 0);
  await inspector.fill('#event', 'lick'); // a substring, any case
  await inspector.waitForSelector('#events tbody tr:has-text("Clicked")');
  await inspector.fill('#event', '');
  await fetch(`${rig.collector.url}/track`, { method: 'POST', body: JSON.stringify([{ event: 'Clicked', properties: { token: 'inspect-token', distinct_id: 'bob' } }]) });
  await inspector.waitForFunction(() => document.querySelectorAll('#events tbody tr').length === 3);
  await inspector.fill('#distinct', 'AD'); // a substring, as for event names
  await inspector.waitForFunction(() => document.querySelectorAll('#events tbody tr').length === 2);
  expect(await inspector.locator('#events tbody td:nth-child(3)').allTextContents()).toEqual(['ada', 'ada']);
  await inspector.fill('#distinct', 'adx');
  await inspector.waitForFunction(() => document.querySelectorAll('#events tbody tr, #profiles tbody tr').length === 0);

  // The chart drew this minute's events, by name; the page loaded nothing from anywhere else.
  await inspector.fill('#distinct', '');
  await inspector.waitForSelector('#rate-chart rect.bar');
  expect(await inspector.locator('#rate-legend li').allTextContents()).toEqual(['Clicked 2', '$identify 1']);
  expect(await inspector.locator('#rate-chart rect.bar title').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Clicked: [12] at \d\d:\d\d$/)]));
  expect(urls.filter((url) => !url.startsWith(rig.collector.url))).toEqual([]);
  await inspector.close();
  await page.close();
});

test('the requests view: every request live, as it came (encoding, items, bytes, status, ids), copies flagged', async () => {
  const { page: inspector } = await inspectorAt(rig.collector.url, '#requests');
  const rows = inspector.locator('#requests tbody tr');
  const page = await site();
  await page.evaluate((host) => {
    heed.init('inspect-token', { api_host: host, api_payload_format: 'base64', batch_flush_interval_ms: 100 });
    heed.identify('grace');
    heed.track('Opened');
    return heed.flush();
  }, rig.apiHost);
  await rows.first().waitFor();
  const first = rows.first();
  expect(await first.locator('.path').textContent()).toBe('/track/');
  expect(await first.locator('td:nth-child(3)').textContent()).toBe('2'); // $identify and Opened
  expect(await first.locator('td:nth-child(5)').textContent()).toBe('base64');
  expect(await first.locator('td:nth-child(6) .status').textContent()).toBe('200');
  expect(await first.locator('td:nth-child(7)').textContent()).toContain('grace');
  expect(await first.locator('time').textContent()).toMatch(DATE_TIME);
  const device = await page.evaluate(() => String(heed.get_property('$device_id')));

  // The same batch sent twice, gzipped: two requests arrive, one stored copy per event.
  const batch = gzipSync(`data=${encodeURIComponent(JSON.stringify([{ event: 'Paid', properties: { token: 'inspect-token', distinct_id: 'hopper', $insert_id: 'pay-1' } }]))}`);
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${rig.collector.url}/track`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, body: batch });
    expect(res.status).toBe(200);
  }
  await until(async () => (await rows.count()) === 3);
  expect(await rows.first().locator('.dup').textContent()).toBe('1 copy');
  expect(await rows.nth(1).locator('.dup').count()).toBe(0);
  expect(await rows.first().locator('td:nth-child(5)').textContent()).toBe('json, gzip');
  expect(await inspector.locator('#request-summary').textContent()).toBe('(3 requests, 4 items, ' + (await byteTotal(inspector)) + ' bytes, 1 copy sent again)');
  const stored = (await (await fetch(`${rig.collector.url}/api/events?event=Paid`)).json()) as { events: unknown[] };
  expect(stored.events).toHaveLength(1);

  // Filters: a device id (substring) or a distinct_id.
  await inspector.fill('#device', device.slice(4, 14));
  await until(async () => (await rows.count()) === 1);
  expect(await rows.first().locator('td:nth-child(7)').textContent()).toContain(device);
  await inspector.fill('#device', '');
  await inspector.fill('#distinct', 'hop');
  await until(async () => (await rows.count()) === 2);
  // A refused request is shown too, with its error.
  await inspector.fill('#distinct', '');
  await fetch(`${rig.collector.url}/engage`, { method: 'POST', body: 'data=nope' });
  await until(async () => (await rows.count()) === 4);
  expect(await rows.first().getAttribute('class')).toContain('failed');
  expect(await rows.first().locator('td:nth-child(6)').textContent()).toContain('400');
  await inspector.close();
  await page.close();
});

async function byteTotal(inspector: Page): Promise<number> {
  const cells = await inspector.locator('#requests tbody td:nth-child(4)').allTextContents();
  return cells.reduce((n, c) => n + Number(c), 0);
}

describe('GDPR tasks and the timeline', () => {
  let fast: Collector;
  beforeAll(async () => {
    fast = await startCollector({ gdprStepMs: 20, gdprMinIntervalMs: 0 });
  });
  afterAll(() => fast?.close());
  const gdpr = async (kind: 'data-deletions' | 'data-retrievals', token: string, ids: string[]) => {
    const res = await fetch(`${fast.url}/api/app/${kind}/v3.0?token=${token}`, {
      method: 'POST',
      headers: { authorization: 'Bearer heed-dev-gdpr-token', 'content-type': 'application/json' },
      body: JSON.stringify({ distinct_ids: ids }),
    });
    expect(res.status).toBe(201);
  };
  const track = (token: string, distinct_id: string, event: string) =>
    fetch(`${fast.url}/track`, { method: 'POST', body: JSON.stringify([{ event, properties: { token, distinct_id } }]) });

  test('tasks show whose data they are for, their dates and the export link; a deletion that matched nothing says so', async () => {
    await track('shop', 'ada', 'Bought');
    const { page: inspector } = await inspectorAt(fast.url);
    const tasks = inspector.locator('#tasks tbody tr');
    await gdpr('data-retrievals', 'shop', ['ada']);
    await until(async () => (await inspector.locator('#tasks .status').allTextContents()).join() === 'SUCCESS');
    await gdpr('data-deletions', 'backend', ['ada']); // another project token: nothing to delete there
    await until(async () => (await inspector.locator('#tasks .status').allTextContents()).join() === 'SUCCESS,SUCCESS');
    const deletion = tasks.filter({ hasText: 'deletion' });
    expect(await deletion.locator('td:nth-child(2)').textContent()).toBe('adatoken backend');
    expect(await deletion.locator('.note').textContent()).toBe(
      "matched nothing: no events or profile for these distinct_ids under project token 'backend'; " +
        "they have events under other tokens (1 under 'shop'): deletions apply per project token",
    );
    for (const time of await tasks.locator('time').allTextContents()) expect(time).toMatch(DATE_TIME);
    const href = await tasks.filter({ hasText: 'retrieval' }).locator('a.export').getAttribute('href');
    const file = (await (await fetch(new URL(href!, fast.url))).json()) as { events: { event: string }[] };
    expect(file.events.map((e) => e.event)).toEqual(['Bought']);

    // A distinct_id opens its timeline: the tasks are on it, after the event.
    await tasks.filter({ hasText: 'retrieval' }).locator('a.who').click();
    await until(async () => (await inspector.locator('#timeline-list li.kind-gdpr').count()) === 4);
    expect(await inspector.locator('#person').inputValue()).toBe('ada');
    expect(await inspector.locator('#timeline-list li .title').allTextContents()).toEqual([
      'Bought',
      'retrieval requested (GDPR)',
      'retrieval SUCCESS',
      'deletion requested (GDPR)',
      expect.stringMatching(/^deletion SUCCESS: matched nothing/),
    ]);
    expect(await inspector.locator('#timeline-list li.tail').textContent()).toMatch(/^nothing arrived since: \d+\.\d s$/);
    expect(await inspector.locator('#timeline-axis line.mark').count()).toBe(5);
    await inspector.close();
  });
});
