/**
 * Delivery that loses nothing (issue #7), in real Chromium against the real collector: events
 * survive navigation, page close and a renderer crash, collector faults and offline periods, and
 * broken storage; opt-out stays on top. Every check counts rows per `$insert_id` at the collector.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Heed, InitConfig } from '../../src/types';
import { listStorage, newContext, pause, until, useRig } from './rig';

declare global {
  var heed: Heed; // the script-tag build's global
  function persistedEvents(token: string): Promise<number>; // test/e2e/pages/delivery.html
}

const TOKEN = 'delivery-token';
const FLAG = `__mp_opt_in_out_${TOKEN}`;

const rig = useRig();
let context: BrowserContext;
let pageUrl: string;
let awayUrl: string;

beforeAll(() => {
  pageUrl = rig.pageUrl.replace('index.html', 'delivery.html');
  awayUrl = rig.pageUrl.replace('index.html', 'delivery-away.html');
});

type Fault = { mode: '500' | '429' | '413' | 'hang' | 'reset'; count?: number; retryAfter?: number; maxBytes?: number };
async function fault(f: Fault | null): Promise<void> {
  const res = await fetch(`${rig.collector.url}/api/faults`, f ? { method: 'POST', body: JSON.stringify(f) } : { method: 'DELETE' });
  expect(res.status).toBe(200);
}

/** Uncaught errors, unhandled rejections and console errors of a page. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Load the test page in `ctx` (a fresh context by default) and init heed. */
async function open(config: InitConfig = {}, ctx?: BrowserContext, initScript?: string): Promise<Page> {
  if (!ctx) context = await newContext(rig, initScript);
  const page = await (ctx || context).newPage();
  await page.goto(pageUrl);
  await init(page, config);
  return page;
}

const init = (page: Page, config: InitConfig = {}) =>
  page.evaluate(([token, cfg]) => void heed.init(token as string, cfg as InitConfig), [
    TOKEN,
    { api_host: rig.apiHost, batch_flush_interval_ms: 100, ...config } as Record<string, unknown>,
  ] as const);

const trackMany = (page: Page, event: string, n: number) =>
  page.evaluate(([e, count]) => {
    for (let i = 0; i < (count as number); i++) heed.track(e as string, { i });
  }, [event, n] as const);

/** Rows the collector holds for `event`: one per `$insert_id` is what exactly-once looks like. */
function stored(event: string): { rows: number; ids: number; values: number } {
  return rig.collector.db
    .prepare(
      `SELECT count(*) AS rows, count(DISTINCT insert_id) AS ids, count(DISTINCT json_extract(properties, '$.i')) AS "values"
       FROM events WHERE event = ? AND token = ?`,
    )
    .get(event, TOKEN) as { rows: number; ids: number; values: number };
}

/** Items the collector accepted on /track (a re-sent item counts again), and the statuses it answered. */
function trackRequests(): { accepted: number; requests: number; statuses: number[]; errors: Array<string | null>; at: number[] } {
  const rows = rig.collector.db
    .prepare("SELECT at, status, items, error FROM requests WHERE path IN ('/track', '/track/') AND method != 'OPTIONS' ORDER BY id")
    .all() as Array<{ at: number; status: number; items: number; error: string | null }>;
  return {
    accepted: rows.reduce((n, r) => n + r.items, 0),
    requests: rows.length,
    statuses: rows.map((r) => r.status),
    errors: rows.map((r) => r.error),
    at: rows.map((r) => r.at),
  };
}

/** Wait until all `n` events of `event` are stored, then a little longer: there must be exactly `n`. */
async function deliveredExactlyOnce(event: string, n: number, timeoutMs = 15000): Promise<void> {
  await until(async () => stored(event).rows >= n, timeoutMs);
  await pause(300);
  expect(stored(event)).toEqual({ rows: n, ids: n, values: n });
}

const persisted = (page: Page) => page.evaluate((t) => persistedEvents(t), TOKEN);
const heedDatabase = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).some((d) => d.name === 'heed'));

describe('1. durability across page loads', () => {
  test('30 events, then navigating away at once: after the next load all 30 are stored, once', async () => {
    const page = await open({ batch_flush_interval_ms: 10_000 });
    const errors = watch(page);
    await page.evaluate((away) => {
      for (let i = 0; i < 30; i++) heed.track('reload', { i });
      location.href = away;
    }, awayUrl);
    await page.waitForURL(awayUrl);
    await page.goto(pageUrl);
    await init(page);
    await deliveredExactlyOnce('reload', 30);
    await until(async () => (await persisted(page)) === 0); // the kept copy is confirmed and removed
    expect(errors).toEqual([]);
  });

  test('30 events without sendBeacon, then navigating away: all arrive once (keepalive fetch on hide, else the kept copy)', async () => {
    const page = await open({ batch_flush_interval_ms: 10_000 }, undefined, 'delete Navigator.prototype.sendBeacon;');
    await page.evaluate((away) => {
      for (let i = 0; i < 30; i++) heed.track('no beacon', { i });
      location.href = away;
    }, awayUrl);
    await page.waitForURL(awayUrl);
    await page.goto(pageUrl);
    await init(page);
    await deliveredExactlyOnce('no beacon', 30);
  });

  test('30 events, then page.close({ runBeforeUnload: true }): the next page has them all, once', async () => {
    const page = await open({ batch_flush_interval_ms: 10_000 });
    await trackMany(page, 'closed', 30);
    const closed = new Promise((r) => page.once('close', r));
    await page.close({ runBeforeUnload: true });
    await closed;
    const next = await open({}, context);
    await deliveredExactlyOnce('closed', 30);
    await until(async () => (await persisted(next)) === 0);
  });

  test('a renderer crash after the events were persisted: a new page sends all 30, once', async () => {
    const page = await open({ batch_flush_interval_ms: 60_000 });
    await trackMany(page, 'crash', 30);
    await until(async () => (await persisted(page)) === 30);
    const crashed = new Promise((r) => page.once('crash', r));
    const cdp = await context.newCDPSession(page);
    void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
    await crashed;
    expect(trackRequests().requests).toBe(0); // nothing left the crashed page
    await open({}, context);
    await deliveredExactlyOnce('crash', 30);
  });
});

describe('2. collector faults and offline periods', () => {
  type Sent = ReturnType<typeof trackRequests>;
  const cases: Array<[string, Fault, InitConfig, (sent: Sent) => void]> = [
    ['500s', { mode: '500', count: 2 }, {}, (sent) => expect(sent.statuses.filter((x) => x === 500)).toHaveLength(2)],
    [
      '429 with Retry-After: 1',
      { mode: '429', count: 2, retryAfter: 1 },
      {},
      (sent) => {
        expect(sent.statuses.filter((x) => x === 429)).toHaveLength(2);
        // Nothing at all is sent during the second after a 429: not the batch, not the next ones.
        sent.statuses.forEach((s, k) => s === 429 && expect(sent.at[k + 1] - sent.at[k]).toBeGreaterThanOrEqual(950));
      },
    ],
    ['hanging responses (batch_request_timeout_ms 500)', { mode: 'hang', count: 1 }, { batch_request_timeout_ms: 500 }, (sent) =>
      expect(sent.errors).toContain('fault injected: hang')],
    ['connection resets', { mode: 'reset', count: 2 }, {}, (sent) =>
      expect(sent.errors.filter((x) => x === 'fault injected: reset')).toHaveLength(2)],
  ];

  test.each(cases)('%s: all 30 events arrive exactly once', async (_name, f, config, check) => {
    await fault(f);
    const page = await open({ batch_size: 10, ...config });
    await trackMany(page, 'faulty', 30);
    await deliveredExactlyOnce('faulty', 30);
    const sent = trackRequests();
    check(sent);
    expect(sent.accepted).toBe(30); // an acknowledged batch is never sent again
  });

  test('413 for large bodies: batches are halved until they fit, all 40 arrive once', async () => {
    await fault({ mode: '413', maxBytes: 8000 });
    const page = await open({ batch_size: 40 });
    await page.evaluate(() => {
      for (let i = 0; i < 40; i++) heed.track('large', { i, pad: 'x'.repeat(400) });
    });
    await deliveredExactlyOnce('large', 40);
    const sent = trackRequests();
    expect(sent.statuses.filter((s) => s === 413).length).toBeGreaterThanOrEqual(2);
    expect(sent.accepted).toBe(40);
    const accepted = rig.collector.db.prepare("SELECT max(bytes) AS most FROM requests WHERE status = 200 AND path LIKE '/track%'").get() as { most: number };
    expect(accepted.most).toBeLessThanOrEqual(8000);
  });

  test('offline: nothing is sent while offline, everything once when back online', async () => {
    const page = await open({ batch_size: 10 });
    await context.setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    await trackMany(page, 'offline', 25);
    await pause(500);
    expect(trackRequests().requests).toBe(0);
    expect(await persisted(page)).toBe(25);
    await context.setOffline(false);
    await deliveredExactlyOnce('offline', 25);
    expect(trackRequests().accepted).toBe(25);
  });
});

describe('3. broken storage: tracking goes on in memory, nothing throws', () => {
  const cases: Array<[string, string]> = [
    ['IndexedDB missing', 'delete window.indexedDB; Object.defineProperty(window, "indexedDB", { value: undefined });'],
    ['the indexedDB getter throws', 'Object.defineProperty(window, "indexedDB", { get() { throw new DOMException("denied", "SecurityError"); } });'],
    ['IndexedDB fails to open', 'IDBFactory.prototype.open = function () { throw new DOMException("broken", "UnknownError"); };'],
    [
      'no IndexedDB and localStorage full (QuotaExceededError)',
      `delete window.indexedDB; Object.defineProperty(window, "indexedDB", { value: undefined });
       Storage.prototype.setItem = function () { throw new DOMException("full", "QuotaExceededError"); };`,
    ],
  ];

  test.each(cases)('%s', async (_name, script) => {
    context = await newContext(rig, script);
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(pageUrl);
    const outcome = await page.evaluate(([token, host]) => {
      try {
        heed.init(token, { api_host: host, batch_flush_interval_ms: 100, batch_size: 10 });
        for (let i = 0; i < 25; i++) heed.track('broken storage', { i });
        heed.people.set({ plan: 'pro' });
        return 'ok';
      } catch (e) {
        return String(e);
      }
    }, [TOKEN, rig.apiHost] as const);
    expect(outcome).toBe('ok');
    await deliveredExactlyOnce('broken storage', 25);
    expect(await page.evaluate(() => heed.flush().then(() => 'flushed'))).toBe('flushed');
    await page.evaluate(() => heed.opt_out_tracking()); // the purge path must not throw either
    await pause(200);
    expect(errors).toEqual([]);
  });
});

describe('4. consent stays on top of delivery', () => {
  test('opt-out with batches kept for retry: nothing is ever delivered; the IndexedDB database is gone, only the flag remains', async () => {
    await fault({ mode: '500' });
    const page = await open({ batch_size: 10 });
    await trackMany(page, 'kept', 25);
    await until(async () => trackRequests().statuses.includes(500) && (await persisted(page)) === 25);
    await page.evaluate(() => heed.opt_out_tracking());
    await until(async () => !(await heedDatabase(page)));
    expect((await listStorage(page)).localStorage).toEqual({ [FLAG]: '0' });

    await fault(null);
    const before = trackRequests().requests;
    await page.evaluate(() => heed.flush());
    await page.evaluate(() => dispatchEvent(new Event('online')));
    await pause(2100); // past the first retry's longest backoff
    expect(trackRequests().requests).toBe(before);
    await page.reload();
    await init(page);
    await pause(300);
    expect(stored('kept').rows).toBe(0);
    expect(await heedDatabase(page)).toBe(false);
  });

  test("another tab's opt-out purges this tab's persisted batches", async () => {
    const other = await open({});
    const page = await open({ batch_size: 10 }, context);
    await fault({ mode: '500' });
    await trackMany(page, 'other tab', 25);
    await until(async () => trackRequests().statuses.includes(500) && (await persisted(page)) === 25);
    await other.evaluate(() => heed.opt_out_tracking());
    await until(() => page.evaluate(() => heed.consent.status() === 'denied'));
    await until(async () => !(await heedDatabase(page)));
    await fault(null);
    await page.evaluate(() => heed.flush());
    await pause(2100);
    expect(stored('other tab').rows).toBe(0);
    expect((await listStorage(page)).localStorage).toEqual({ [FLAG]: '0' });
  });
});

describe('5. volume', () => {
  test('10,000 events in a loop: all delivered in batches of 50 (≤ 200 requests + a few); the page stays responsive', async () => {
    const page = await open({ batch_flush_interval_ms: 5000 });
    const errors = watch(page);
    const timing = await page.evaluate(async () => {
      for (let i = 0; i < 10_000; i++) heed.track('bulk', { i });
      // Then a chain of 0 ms timers for a second, while the batches go out: the longest wait for
      // the next task is what a click would feel. (Frames are not measured: headless Chromium's
      // frame timing swings with CPU contention.)
      const first = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      const next = performance.now() - first;
      let longest = next;
      for (const end = performance.now() + 1000; performance.now() < end; ) {
        const t = performance.now();
        await new Promise((r) => setTimeout(r, 0));
        longest = Math.max(longest, performance.now() - t);
      }
      return { next, longest };
    });
    expect(timing.next).toBeLessThan(100);
    expect(timing.longest).toBeLessThan(100);
    await deliveredExactlyOnce('bulk', 10_000, 30_000);
    const sent = trackRequests();
    expect(sent.requests).toBeLessThanOrEqual(205);
    expect(sent.accepted).toBe(10_000);
    expect(errors).toEqual([]);
  });
});
