// node examples/demo/screenshots.mjs [--out docs]   (after `npm run build`)
//
// Makes the inspector screenshots the README shows (docs/inspector-*.png): the demo in memory,
// two shoppers clicked through in Debian's Chromium (HEED_CHROMIUM overrides /usr/bin/chromium),
// then the inspector's three views. Every request stays on this machine.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ROOT, requireBuild } from '../serve.mjs';
import { startDemo } from './index.mjs';

const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'docs') } }, strict: true });
requireBuild();
mkdirSync(values.out, { recursive: true });

const demo = await startDemo({ port: 0, collectorPort: 0, db: ':memory:', gdprStepMs: 50 });
const browser = await chromium.launch({ executablePath: process.env.HEED_CHROMIUM || '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox'] });
try {
  const shop = async (user) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route('**/*', (route) => (['127.0.0.1', 'localhost'].includes(new URL(route.request().url()).hostname) ? route.continue() : route.abort()));
    const page = await context.newPage();
    await page.goto(demo.siteUrl);
    await page.fill('#user', user);
    await page.click('#sign-in button');
    await page.waitForSelector(`#who:text("${user}")`);
    return page;
  };
  const click = async (page, ...products) => {
    for (const product of products) await page.click(`[data-product="${product}"]`);
  };
  const quiet = (ms) => new Promise((r) => setTimeout(r, ms));

  const bob = await shop('bob');
  await bob.click('#accept');
  await click(bob, 'espresso', 'cold brew');
  await bob.click('#checkout');

  const ada = await shop('ada');
  await click(ada, 'espresso'); // before any answer: nothing is sent
  await quiet(800);
  await ada.click('#accept');
  await click(ada, 'flat white', 'espresso');
  await ada.click('#checkout');
  await quiet(1200);
  await ada.click('#reject');
  await click(ada, 'cold brew'); // refused: nothing is sent
  await quiet(4000);
  await ada.click('#accept');
  await click(ada, 'espresso');
  await quiet(1500);

  const inspector = await (await browser.newContext({ viewport: { width: 1280, height: 760 } })).newPage();
  for (const [view, file] of [['events', 'inspector-events.png'], ['requests', 'inspector-requests.png'], ['timeline=ada', 'inspector-timeline.png']]) {
    await inspector.goto(`${demo.inspectorUrl}#${view}`);
    await inspector.waitForSelector('#live:text("live")');
    await quiet(600); // the view's first refresh
    await inspector.screenshot({ path: join(values.out, file) });
    console.log(`wrote ${join(values.out, file)}`);
  }
} finally {
  await browser.close();
  await demo.close();
}
