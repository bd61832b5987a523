/**
 * Fault runs (issue 13): the script-tag build in Debian Chromium against the real collector and
 * its fault mode, each run counted on the wire (accepted copies per `$insert_id`, refused items,
 * requests) and written as one row of the reliability table. Every run must lose nothing, send
 * nothing twice, throw nothing and send nothing invalid; outages must end in delivery within 30 s.
 *
 * `npm test` runs the short ones; `npm run test:reliability` all; `-- --soak` the minutes-long outages.
 */
import type { BrowserContext } from 'playwright-core';
import type { Rig } from '../e2e/rig';
import { call, config, context, init, pause, startReliabilityRig } from './chromium';
import { FULL, SOAK } from './report';
import { CLEAN, clean, finish, harvest, newRun, reload, send, tab, type Run } from './scenario';
import { arrivals, quiet } from './wire';

type Fault = { mode: string; count?: number; retryAfter?: number; delayMs?: number; flapMs?: number; maxBytes?: number };

let rig: Rig;
let ctx: BrowserContext | undefined;
let n = 0;
beforeAll(async () => {
  rig = await startReliabilityRig();
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(async () => {
  await fetch(`${rig.collector.url}/api/reset`, { method: 'POST' }); // clears faults too
});
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
  await quiet(rig);
});

async function fault(f: Fault | null): Promise<void> {
  const res = await fetch(`${rig.collector.url}/api/faults`, f ? { method: 'POST', body: JSON.stringify(f) } : { method: 'DELETE' });
  if (res.status !== 200) throw new Error(`fault refused: ${await res.text()}`);
}

async function start(): Promise<Run> {
  ctx = await context(rig);
  return newRun(rig, ctx, `faults-${++n}`);
}

/** The quick set (in `npm test`) leaves the long scenarios out: they are defined only where they run. */
const only = (on: boolean): typeof test => (on ? test : ((() => undefined) as unknown as typeof test));
const RECOVERY_S = 30;

describe('a server that answers badly: each batch retried until it is really accepted, once', () => {
  const cases: Array<[string, Fault, boolean]> = [
    ['junk 200s (a captive portal answers for the server)', { mode: 'junk', count: 3 }, true],
    ['HTML 502s (a proxy in front of a dead server)', { mode: '502', count: 3 }, true],
    // `npm test` has 429 + Retry-After (and 500s, hangs, resets, 413, offline) in test/e2e/delivery.e2e.ts.
    ['429 with Retry-After: 2', { mode: '429', count: 2, retryAfter: 2 }, FULL],
    ['10 s answers (stored at once, answered late)', { mode: 'slow', count: 3, delayMs: 10_000 }, FULL],
  ];
  for (const [name, f, on] of cases) {
    only(on)(name, async () => {
      const run = await start();
      await fault(f);
      const t = await tab(run, { batch_size: 10 });
      await send(run, t, 30);
      const { row } = await finish(run, { scenario: `server: ${name}`, timeoutMs: f.mode === 'slow' ? 60_000 : 25_000 });
      expect(clean(row)).toEqual(CLEAN);
      if (f.mode === '429') {
        const times = arrivals(rig, run.token, run.name).requests;
        // Nothing at all is sent in the 2 s after a 429.
        times.forEach((r, k) => r.status === 429 && k + 1 < times.length && expect(times[k + 1]!.at - r.at).toBeGreaterThanOrEqual(1900));
      }
    }, 120_000);
  }
});

/** The server down (connections reset) for `seconds` while the page keeps tracking; then up. */
async function outage(seconds: number, f: Fault = { mode: 'reset' }): Promise<void> {
  const run = await start();
  const t = await tab(run, { batch_size: 10 });
  await send(run, t, 10);
  await pause(1000);
  await fault(f);
  const bursts = 5;
  for (let k = 0; k < bursts; k++) {
    await send(run, t, 10);
    await pause((seconds * 1000) / bursts);
  }
  await fault(null);
  const end = Date.now();
  await send(run, t, 10);
  const attempts = arrivals(rig, run.token, run.name).requests.filter((r) => r.error && r.error.startsWith('fault injected')).length;
  const what = f.flapMs ? `flapping (${f.mode} on and off every ${f.flapMs / 1000} s)` : 'down (connections reset)';
  const { row } = await finish(run, {
    scenario: `server ${what} for ${seconds} s`,
    timeoutMs: 240_000,
    outageEnd: end,
    note: `${attempts} requests during the outage (${Math.round((attempts / seconds) * 60)}/min)`,
  });
  expect(clean(row)).toEqual(CLEAN);
  expect(row.recoveryS).not.toBeNull();
  expect(row.recoveryS!).toBeLessThanOrEqual(RECOVERY_S);
}

describe('outages: nothing lost, delivery back within 30 s of the server', () => {
  only(FULL)('server down for 20 s', () => outage(20), 400_000);
  only(FULL)('server flapping for 20 s', () => outage(20, { mode: '500', flapMs: 2000 }), 400_000);
  only(SOAK)('server down for 2 minutes (soak)', () => outage(120), 600_000);
  only(SOAK)('server down for 5 minutes (soak)', () => outage(300), 900_000);
  only(SOAK)('server flapping for 2 minutes (soak)', () => outage(120, { mode: '500', flapMs: 5000 }), 600_000);

  only(FULL)('offline for 5 s while tracking: nothing sent offline, everything once when back', async () => {
    const run = await start();
    const t = await tab(run, { batch_size: 10 });
    await run.ctx.setOffline(true);
    await send(run, t, 15);
    await pause(2500);
    await send(run, t, 10);
    await pause(2500);
    const sentOffline = arrivals(rig, run.token, run.name).requests.length;
    await run.ctx.setOffline(false);
    const end = Date.now();
    const { row } = await finish(run, { scenario: 'offline for 5 s', timeoutMs: 20_000, outageEnd: end, note: `${sentOffline} requests while offline` });
    expect(clean(row)).toEqual(CLEAN);
    expect(sentOffline).toBe(0);
    expect(row.recoveryS!).toBeLessThanOrEqual(RECOVERY_S);
  }, 120_000);

  test('offline with max_queued_events 100, 300 tracked, then a crash: the newest 100 persisted and delivered, 200 dropped by policy, the cap reported once', async () => {
    const run = await start();
    const t = await tab(run, { batch_size: 10, max_queued_events: 100, debug: true });
    const capWarnings: string[] = [];
    t.page.on('console', (m) => m.type() === 'warning' && /outbox full/.test(m.text()) && capWarnings.push(m.text()));
    // The same origin's delivery page reads what heed persisted, without creating the database.
    const reader = await run.ctx.newPage();
    await reader.goto(rig.pageUrl.replace('index.html', 'delivery.html'));
    await run.ctx.setOffline(true);
    await send(run, t, 300);
    const persisted = () => reader.evaluate((token) => (window as unknown as { persistedEvents(t: string): Promise<number> }).persistedEvents(token), run.token);
    const until = Date.now() + 5000;
    let kept = await persisted();
    while (kept !== 100 && Date.now() < until) (await pause(100), (kept = await persisted()));
    await harvest(run, t);
    const cdp = await run.ctx.newCDPSession(t.page);
    const crashed = new Promise((r) => t.page.once('crash', r));
    void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
    await crashed;
    await t.page.close(); // a crashed page would refuse the context's setOffline
    await run.ctx.setOffline(false);
    const next = await tab(run, { batch_size: 10 });
    const { row } = await finish(run, {
      scenario: 'offline, outbox cap 100, 300 tracked, crash',
      timeoutMs: 20_000,
      live: [next],
      note: `persisted before the crash: ${kept}; cap warnings with debug: ${capWarnings.length}`,
    });
    expect({ ...clean(row), kept, dropped: row.dropped, capWarnings: capWarnings.length }).toEqual({ ...CLEAN, kept: 100, dropped: { 'outbox full': 200 }, capWarnings: 1 });
  }, 120_000);
});

describe('reloads and copies: 0 duplicate copies on the wire', () => {
  test('10 events, then an immediate reload', async () => {
    const run = await start();
    const t = await tab(run, { batch_flush_interval_ms: 10_000 });
    await send(run, t, 10);
    await reload(run, t);
    const { row } = await finish(run, { scenario: '10 events, then an immediate reload', timeoutMs: 20_000 });
    expect(clean(row)).toEqual(CLEAN);
  }, 120_000);

  test('10 reloads after 30 tracks (a reload storm)', async () => {
    const run = await start();
    const t = await tab(run, { batch_flush_interval_ms: 10_000 });
    await send(run, t, 30);
    for (let k = 0; k < 10; k++) await reload(run, t);
    const { row } = await finish(run, { scenario: 'reload storm: 10 reloads after 30 tracks', timeoutMs: 25_000 });
    expect(clean(row)).toEqual(CLEAN);
  }, 120_000);

  test(`two copies of heed on one page, ${FULL ? 6 : 2} runs: each event once`, async () => {
    const runs = FULL ? 6 : 2;
    const rows = [];
    for (let k = 0; k < runs; k++) {
      const run = await start();
      // The second copy starts while the first has a batch persisted and not yet sent.
      const t = await tab(run, {}, 'two-copies.html', ['heedA']);
      await send(run, t, 10, 'heedA');
      await pause(60);
      await init(t.frame, run.token, config(rig), 'heedB');
      await send(run, t, 10, 'heedB');
      rows.push((await finish(run, { scenario: `two copies of heed on one page (run ${k + 1} of ${runs})`, timeoutMs: 15_000 })).row);
      await ctx!.close();
      ctx = undefined;
      await quiet(rig);
      await fetch(`${rig.collector.url}/api/reset`, { method: 'POST' }); // each run counts only its own requests
    }
    expect(rows.map(clean)).toEqual(rows.map(() => CLEAN));
  }, 300_000);

  test('five tabs, an opt-out in one: nothing is sent from any tab after it', async () => {
    const run = await start();
    const tabs = [];
    for (let k = 0; k < 5; k++) tabs.push(await tab(run, { batch_size: 5 }));
    for (const t of tabs) await send(run, t, 10);
    await pause(1500);
    // Every tab tracks all along; one of them opts out in the middle.
    await Promise.all(tabs.map((t) => t.frame.evaluate(() => {
      const w = window as unknown as { rel: { track(n: string, a: number, b: number): void }; stream: number };
      let i = 0;
      w.stream = window.setInterval(() => w.rel.track('stream', i, ++i), 50);
    })));
    await pause(1000);
    await call(tabs[2]!.frame, 'opt_out_tracking');
    const optedOutAt = Date.now() + 150; // the cross-tab promise: every tab within 100 ms
    await pause(3000);
    await Promise.all(tabs.map((t) => t.frame.evaluate(() => window.clearInterval((window as unknown as { stream: number }).stream))));
    const { row } = await finish(run, { scenario: 'five tabs, an opt-out in one', timeoutMs: 10_000, optedOutAt });
    expect({ ...clean(row), sentAfterOptOut: row.sentAfterOptOut }).toEqual({ ...CLEAN, sentAfterOptOut: 0 });
  }, 120_000);
});
