/**
 * The consent promise, checked in real Chromium against the real collector: requests are counted
 * at the collector and every kind of storage is listed. Nothing here is inferred from internals.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Heed, InitConfig } from '../../src/types';
import { events, eventsAtLeast, ingestRequests, listStorage, newContext, pause, storageCount, until, useRig } from './rig';

declare global {
  // The script-tag build's global.
  var heed: Heed;
}

const TOKEN = 'e2e-token';
const FLAG = `__mp_opt_in_out_${TOKEN}`;
// Long enough that nothing would be sent by itself during the negative checks.
const QUIET = 400;

const rig = useRig();
let context: BrowserContext;


async function open(config: InitConfig = {}, initScript?: string, ctx?: BrowserContext): Promise<Page> {
  if (!ctx) context = await newContext(rig, initScript);
  const page = await (ctx || context).newPage();
  await page.goto(rig.pageUrl);
  await page.evaluate(
    ([token, cfg]) => {
      heed.init(token as string, cfg as InitConfig);
    },
    [TOKEN, { api_host: rig.apiHost, batch_flush_interval_ms: 200, ...config } as Record<string, unknown>] as const,
  );
  return page;
}

const status = (page: Page) => page.evaluate(() => heed.consent.status());

test('the script-tag build defines window.heed and its events reach the collector', async () => {
  const page = await open();
  expect(await page.evaluate(() => typeof heed.track)).toBe('function');
  await page.evaluate(() => heed.track('Hello', { from: 'e2e' }));
  const [event] = await eventsAtLeast(rig, { event: 'Hello' });
  expect(event.properties).toMatchObject({ from: 'e2e', token: TOKEN, mp_lib: 'heed' });
  expect(event.distinct_id).toMatch(/^\$device:[0-9a-f-]{36}$/);
});

describe('1. the decision is persisted in Mixpanel’s format', () => {
  test('localStorage by default: opt-in writes "1", opt-out "0", and both survive a reload', async () => {
    const page = await open();
    expect(await status(page)).toBe('granted'); // no decision, no default opt-out
    expect(await page.evaluate(() => [heed.has_opted_in_tracking(), heed.has_opted_out_tracking()])).toEqual([false, false]);
    await page.evaluate(() => heed.opt_in_tracking());
    expect((await listStorage(page)).localStorage[FLAG]).toBe('1');
    await page.reload();
    await page.evaluate(([t, h]) => void heed.init(t, { api_host: h }), [TOKEN, rig.apiHost]);
    expect(await page.evaluate(() => heed.has_opted_in_tracking())).toBe(true);
    await page.evaluate(() => heed.opt_out_tracking());
    await page.reload();
    await page.evaluate(([t, h]) => void heed.init(t, { api_host: h }), [TOKEN, rig.apiHost]);
    expect(await page.evaluate(() => [heed.has_opted_out_tracking(), heed.consent.status()])).toEqual([true, 'denied']);
    expect((await listStorage(page)).localStorage[FLAG]).toBe('0');
  });

  test('a decision mixpanel-browser stored is honoured', async () => {
    context = await newContext(rig, `localStorage.setItem(${JSON.stringify(FLAG)}, '0')`);
    const page = await open({}, undefined, context);
    expect(await status(page)).toBe('denied');
    await page.evaluate(() => heed.track('ignored'));
    await pause(QUIET);
    expect(await ingestRequests(rig)).toHaveLength(0);
  });

  for (const [where, mixpanelConfig, heedConfig] of [
    ['a cookie (opt_out_tracking_persistence_type: cookie)', { opt_out_tracking_persistence_type: 'cookie' }, {}],
    ['localStorage, read by heed configured for cookies', {}, { opt_out_tracking_persistence_type: 'cookie' }],
  ] as const) {
    test(`a "no" that mixpanel-browser stored in ${where} is honoured after the switch`, async () => {
      context = await newContext(rig);
      const page = await context.newPage();
      await page.goto(rig.pageUrl.replace('index.html', 'mixpanel.html'));
      await page.evaluate(
        ([token, host, cfg]) => {
          const mp = (window as unknown as { mixpanel: { init(t: string, c: object): void; opt_out_tracking(): void } }).mixpanel;
          mp.init(token as string, { api_host: host, batch_requests: false, ...(cfg as object) });
          mp.opt_out_tracking();
        },
        [TOKEN, rig.apiHost, mixpanelConfig] as const,
      );
      const left = await listStorage(page);
      expect([...left.cookies, ...Object.entries(left.localStorage).map(([k, v]) => `${k}=${v}`)]).toContain(`${FLAG}=0`);
      await fetch(`${rig.collector.url}/api/reset`, { method: 'POST' });

      await page.goto(rig.pageUrl);
      await page.evaluate(([t, h, cfg]) => void heed.init(t as string, { api_host: h as string, batch_flush_interval_ms: 100, ...(cfg as object) }), [TOKEN, rig.apiHost, heedConfig] as const);
      expect(await page.evaluate(() => [heed.consent.status(), heed.has_opted_out_tracking()])).toEqual(['denied', true]);
      await page.evaluate(() => {
        for (let i = 0; i < 5; i++) heed.track('after the switch');
      });
      await pause(QUIET);
      expect(await ingestRequests(rig)).toHaveLength(0);
      // The decision now lives where heed keeps it, and only there.
      const moved = await listStorage(page);
      const cookieFlag = moved.cookies.filter((c) => c.startsWith(FLAG + '='));
      if ('opt_out_tracking_persistence_type' in heedConfig) {
        expect(cookieFlag).toEqual([`${FLAG}=0`]);
        expect(moved.localStorage[FLAG]).toBeUndefined();
      } else {
        expect(moved.localStorage[FLAG]).toBe('0');
        expect(cookieFlag).toEqual([]);
      }
    });
  }

  test('cookie persistence with a custom prefix', async () => {
    const page = await open({ opt_out_tracking_persistence_type: 'cookie', opt_out_tracking_cookie_prefix: 'consent_' });
    await page.evaluate(() => heed.opt_out_tracking());
    const storage = await listStorage(page);
    expect(storage.cookies).toContain(`consent_${TOKEN}=0`);
    expect(storage.localStorage).toEqual({});
  });
});

describe('2. nothing before consent', () => {
  test('opt_out_tracking_by_default: 0 requests and 0 storage entries until opt-in, then $opt_in and tracking', async () => {
    const page = await open({ opt_out_tracking_by_default: true });
    const results = await page.evaluate(() => {
      const outcomes: unknown[] = [];
      for (let i = 0; i < 20; i++) heed.track('before consent', { i }, (r) => outcomes.push(r));
      heed.identify('user-1');
      heed.register({ plan: 'pro' });
      heed.people.set({ name: 'Ada' }, (r) => outcomes.push(r));
      heed.time_event('later');
      return outcomes;
    });
    expect(results).toEqual(new Array(21).fill(0));
    expect(await status(page)).toBe('pending');
    await pause(QUIET);
    expect(await ingestRequests(rig)).toHaveLength(0);
    const before = await listStorage(page);
    expect(storageCount(before)).toBe(0);

    await page.evaluate(() => heed.opt_in_tracking({ track_properties: { via: 'banner' } }));
    const [optIn] = await eventsAtLeast(rig, { event: '$opt_in' });
    expect(optIn.properties).toMatchObject({ via: 'banner', token: TOKEN });
    expect((await listStorage(page)).localStorage[FLAG]).toBe('1');

    await page.evaluate(() => heed.track('after consent'));
    await eventsAtLeast(rig, { event: 'after consent' });
    expect(await events(rig, { event: 'before consent' })).toHaveLength(0); // dropped, not replayed
  });
});

describe('3. opt-out purges', () => {
  test('20 tracks then opt-out: none reach the collector, now, after reload or after a later opt-in', async () => {
    const page = await open({ batch_flush_interval_ms: 1000 });
    await page.evaluate(() => {
      heed.register({ plan: 'pro' });
      for (let i = 0; i < 20; i++) heed.track('doomed', { i });
      heed.opt_out_tracking();
    });
    // Dropping the IndexedDB outbox is asynchronous: wait (bounded) until the database is gone.
    const after = await until(() => listStorage(page).then((s) => (s.indexedDB.length === 0 ? s : undefined)), 5000);
    expect(after.localStorage).toEqual({ [FLAG]: '0' });
    expect(after.cookies).toEqual([]);
    expect(after.sessionStorage).toEqual({});
    expect(after.indexedDB).toEqual([]);
    await page.evaluate(() => heed.flush());
    await pause(1200);
    await page.reload();
    await page.evaluate(([t, h]) => void heed.init(t, { api_host: h, batch_flush_interval_ms: 200 }), [TOKEN, rig.apiHost]);
    await page.evaluate(() => heed.opt_in_tracking());
    await eventsAtLeast(rig, { event: '$opt_in' });
    await page.evaluate(() => heed.flush());
    expect(await events(rig, { event: 'doomed' })).toHaveLength(0);
    const optIn = (await events(rig, { event: '$opt_in' }))[0];
    expect(optIn.properties.plan).toBeUndefined(); // super properties were purged too
  });

  test('delete_user sends one $delete for an identified user, as the only request', async () => {
    const page = await open({ batch_flush_interval_ms: 1000 });
    await page.evaluate(async () => {
      heed.identify('user-42');
      heed.people.set({ name: 'Ada' });
      heed.track('doomed');
      heed.opt_out_tracking();
    });
    const requests = await until(() => ingestRequests(rig).then((r) => r.length && r));
    await pause(QUIET);
    expect(await ingestRequests(rig)).toEqual([expect.objectContaining({ path: expect.stringMatching(/^\/engage\/?$/) })]);
    expect(requests).toHaveLength(1);
    expect(await events(rig)).toHaveLength(0);
    const profile = await fetch(`${rig.collector.url}/api/profiles/user-42`);
    expect(profile.status).toBe(404);
  });
});

describe('4. the gate fails closed', () => {
  test('storage that throws means "not allowed", never "send"', async () => {
    const throwing = `Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } });`;
    const page = await open({}, throwing);
    expect(await status(page)).toBe('pending');
    await page.evaluate(() => {
      heed.track('blocked');
      heed.identify('u');
    });
    await pause(QUIET);
    expect(await ingestRequests(rig)).toHaveLength(0);
    // An explicit opt-in on this page still works, from memory.
    await page.evaluate(() => heed.opt_in_tracking());
    await eventsAtLeast(rig, { event: '$opt_in' });
  });
});

describe('5. browser signals', () => {
  for (const [name, script] of [
    ['Do Not Track', `Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });`],
    ['Global Privacy Control', `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });`],
  ] as const) {
    test(`${name} counts as opted out until an explicit opt-in`, async () => {
      const page = await open({}, script);
      expect(await page.evaluate(() => [heed.consent.status(), heed.has_opted_out_tracking()])).toEqual(['denied', true]);
      await page.evaluate(() => heed.track('blocked'));
      await pause(QUIET);
      expect(await ingestRequests(rig)).toHaveLength(0);
      expect(storageCount(await listStorage(page))).toBe(0);
      await page.evaluate(() => heed.opt_in_tracking());
      await page.evaluate(() => heed.track('allowed'));
      await eventsAtLeast(rig, { event: 'allowed' });
    });
  }

  test('ignore_gpc and ignore_dnt turn the signals off', async () => {
    const script = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });`;
    const page = await open({ ignore_gpc: true, ignore_dnt: true }, script);
    expect(await status(page)).toBe('granted');
    await page.evaluate(() => heed.track('allowed'));
    await eventsAtLeast(rig, { event: 'allowed' });
  });
});

describe('6. cross-tab', () => {
  test('opting out in one tab stops and purges every other tab within 100 ms', async () => {
    const a = await open({ batch_flush_interval_ms: 3000 });
    const b = await open({ batch_flush_interval_ms: 3000 }, undefined, context);
    await b.evaluate(() => {
      const w = window as unknown as { deniedAt?: number };
      heed.onConsentChange((s) => {
        if (s === 'denied') w.deniedAt = Date.now();
      });
      for (let i = 0; i < 10; i++) heed.track('queued in b');
    });
    const t0 = await a.evaluate(() => {
      const t = Date.now();
      heed.opt_out_tracking();
      return t;
    });
    const deniedAt = await until(() => b.evaluate(() => (window as unknown as { deniedAt?: number }).deniedAt || 0));
    expect(deniedAt - t0).toBeLessThan(100);
    expect(await status(b)).toBe('denied');
    await b.evaluate(() => heed.flush());
    await pause(QUIET);
    expect(await events(rig, { event: 'queued in b' })).toHaveLength(0);
  });
});
