/** The collector's live inspector, in Chromium: rows arrive without a reload and filters apply. */
import type { BrowserContext } from 'playwright-core';
import { newContext, startRig, type Rig } from './rig';

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

test('events and profiles appear live, filterable by distinct_id and event name', async () => {
  const inspector = await context.newPage();
  await inspector.goto(rig.collector.url + '/');
  await inspector.waitForSelector('#live:text("live")');
  expect(await inspector.locator('#events tbody tr').count()).toBe(0);

  const site = await context.newPage();
  await site.goto(rig.pageUrl);
  await site.evaluate((host) => {
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

  await inspector.fill('#event', 'Nothing like this');
  await inspector.waitForFunction(() => document.querySelectorAll('#events tbody tr').length === 0);
  await inspector.fill('#event', '');
  await inspector.fill('#distinct', 'ada');
  await inspector.waitForSelector('#events tbody tr:has-text("Clicked")');
  expect(await inspector.locator('#events tbody tr:has-text("$identify")').count()).toBe(1);
});
