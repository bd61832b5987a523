/** @jest-environment jsdom */
import type { InitConfig } from '../../src/entry/browser';
import { cookies, localEntries, resetBrowser } from '../helpers/browser';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'optOutTok';
const FLAG = '__mp_opt_in_out_' + TOKEN;
const PROFILE = `mp_${TOKEN}_mixpanel`;

const rig = useTracker(TOKEN);

const start = (config: InitConfig = {}) => rig.start(config);

describe('opt_out_tracking purges what was queued', () => {
  it('20 queued events never reach the server: not at opt-out, not on flush, not after a later opt-in', async () => {
    const heed = start();
    const results: unknown[] = [];
    for (let i = 0; i < 20; i++) heed.track('queued ' + i, { i }, (r) => results.push(r));
    heed.people.set('queued', true, (r) => results.push(r));

    heed.opt_out_tracking();
    // Dropped items are settled at once, as failures.
    expect(results).toEqual(new Array(21).fill(0));
    await heed.flush();
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);

    heed.opt_in_tracking();
    heed.track('after opt-in');
    await heed.flush();
    await rig.server.quiet();
    expect(rig.server.requests.map((r) => r.endpoint)).toEqual(['track', 'track']);
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['$opt_in', 'after opt-in']);
  });

  it('also drops events kept for retry after a server error', async () => {
    const heed = start();
    rig.server.answer(500);
    heed.track('kept for retry');
    await expect(heed.flush()).rejects.toMatchObject({ name: 'HeedError', status: 500 });
    expect(rig.server.requests).toHaveLength(1);

    heed.opt_out_tracking();
    rig.server.answer(200);
    await heed.flush();
    heed.opt_in_tracking({ track: false });
    await heed.flush();
    await rig.server.quiet();
    expect(rig.server.requests).toHaveLength(1); // only the refused attempt
    expect(rig.server.accepted('track')).toEqual([]);
  });

  it('a queued callback that throws does not stop the opt-out from clearing storage', () => {
    const heed = start();
    heed.identify('user-9');
    heed.track('x', {}, () => {
      throw new Error('app bug in a callback');
    });
    expect(() => heed.opt_out_tracking({ delete_user: false })).not.toThrow();
    expect(localEntries()).toEqual({ [FLAG]: '0' });
  });

  it('opt_out_tracking(null) from plain JavaScript still opts out (and opt_in_tracking(null) opts in)', async () => {
    const heed = start();
    heed.identify('user-9');
    const loose = heed as unknown as Record<'opt_out_tracking' | 'opt_in_tracking' | 'unregister', (...a: unknown[]) => void>;
    expect(() => loose.opt_out_tracking(null)).not.toThrow();
    expect(heed.consent.status()).toBe('denied');
    expect(localEntries()).toEqual({ [FLAG]: '0' });
    expect(() => loose.opt_in_tracking(null)).not.toThrow();
    expect(heed.consent.status()).toBe('granted');
    heed.register({ a: 1 });
    expect(() => loose.unregister('a', null)).not.toThrow();
    expect(heed.get_property('a')).toBeUndefined();
  });

  it('an onConsentChange listener that calls flush() during the opt-out sends nothing', async () => {
    const heed = start();
    for (let i = 0; i < 5; i++) heed.track('refused ' + i);
    heed.people.set('refused', true);
    const flushes: Array<Promise<void>> = [];
    heed.onConsentChange((status) => {
      if (status === 'denied') flushes.push(heed.flush());
    });
    heed.opt_out_tracking();
    expect(flushes).toHaveLength(1);
    await Promise.all(flushes);
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);
    expect(rig.server.connections).toBe(0); // not even a send started and then aborted
  });

  it('flush() while tracking is not allowed resolves at once and sends nothing', async () => {
    const heed = start({ opt_out_tracking_by_default: true });
    heed.track('pending');
    await expect(heed.flush()).resolves.toBeUndefined();
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);
  });

  it('drops what is tracked while opted out', async () => {
    const heed = start();
    heed.opt_out_tracking();
    const results: unknown[] = [];
    heed.track('while out', {}, (r) => results.push(r));
    heed.people.increment('n', (r) => results.push(r));
    heed.get_group('g', 'x').set('a', 1, (r) => results.push(r));
    await heed.flush();
    await rig.server.quiet();
    expect(results).toEqual([0, 0, 0]);
    expect(rig.server.requests).toEqual([]);
  });
});

describe('opt_out_tracking clears persistence', () => {
  it.each([
    ['localStorage', {} as InitConfig, () => localStorage.getItem(PROFILE)],
    ['cookie', { persistence: 'cookie' } as InitConfig, () => cookies()[PROFILE] ?? null],
  ])("%s persistence: removes the profile, keeps the '0' flag, forgets the identity", async (_name, config, stored) => {
    const heed = start(config);
    heed.identify('user-9');
    heed.register({ plan: 'pro' });
    heed.time_event('checkout');
    expect(decodeURIComponent(stored() || '')).toContain('user-9');

    heed.opt_out_tracking({ delete_user: false });
    expect(stored()).toBeNull();
    expect(localEntries()).toEqual({ [FLAG]: '0' });
    expect(Object.keys(cookies())).toEqual([]);
    expect(heed.get_distinct_id()).toMatch(/^\$device:/);
    expect(heed.get_property('plan')).toBeUndefined();

    // Opted out, the app's calls change memory only.
    heed.identify('user-10');
    heed.register({ plan: 'team' });
    heed.time_event('x');
    heed.reset();
    expect(localEntries()).toEqual({ [FLAG]: '0' });
    expect(Object.keys(cookies())).toEqual([]);
    await heed.flush();
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);
  });

  it('a later page load stays opted out and writes nothing but the flag', async () => {
    start().opt_out_tracking();
    const next = start();
    expect(next.has_opted_out_tracking()).toBe(true);
    next.track('x');
    next.register({ a: 1 });
    await next.flush();
    await rig.server.quiet();
    expect(localEntries()).toEqual({ [FLAG]: '0' });
    expect(rig.server.requests).toEqual([]);
  });

  it('clear_opt_in_out_tracking() after an opt-out: the fresh identity is stored, so the next page keeps it', async () => {
    const heed = start();
    heed.identify('user-9');
    heed.opt_out_tracking({ delete_user: false });
    heed.clear_opt_in_out_tracking(); // no decision, no signal: granted again
    expect(heed.consent.status()).toBe('granted');
    heed.track('after clear');
    await heed.flush();
    const device = rig.server.accepted('track')[0].properties.$device_id;
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).toMatchObject({ $device_id: device });

    const next = start();
    next.track('next page');
    await next.flush();
    expect(rig.server.accepted('track')[1].properties.$device_id).toBe(device);
  });

  it('clear_persistence: false keeps the profile and the identity', () => {
    const heed = start();
    heed.identify('user-9');
    heed.register({ plan: 'pro' });
    heed.opt_out_tracking({ clear_persistence: false, delete_user: false });
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).toMatchObject({ distinct_id: 'user-9', plan: 'pro' });
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect(heed.get_distinct_id()).toBe('user-9');
  });
});

describe('opt_out_tracking deletes the profile of an identified user', () => {
  it('sends exactly one /engage $delete for the identified user (default delete_user)', async () => {
    const heed = start();
    heed.identify('user-9');
    await heed.flush(); // the $identify event
    const before = rig.server.requests.length;
    const deviceId = heed.get_property('$device_id');

    heed.opt_out_tracking();
    await rig.server.waitForRequests(before + 1);
    await rig.server.quiet();
    const sent = rig.server.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].path).toBe('/engage/');
    expect(sent[0].items).toEqual([
      { $token: TOKEN, $distinct_id: 'user-9', $device_id: deviceId, $user_id: 'user-9', $delete: 'user-9' },
    ]);
  });

  it('sends nothing for an anonymous user', async () => {
    const heed = start();
    heed.register({ plan: 'pro' });
    heed.opt_out_tracking();
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);
  });

  it('sends nothing with delete_user: false', async () => {
    const heed = start();
    heed.identify('user-9');
    await heed.flush();
    const before = rig.server.requests.length;
    heed.opt_out_tracking({ delete_user: false });
    await rig.server.quiet();
    expect(rig.server.requests).toHaveLength(before);
  });

  it('deletes a user identified on an earlier page (the identity is persisted)', async () => {
    start().identify('user-9');
    await rig.server.quiet();
    const before = rig.server.requests.length;
    const next = start();
    next.opt_out_tracking();
    await rig.server.waitForRequests(before + 1);
    expect(rig.server.requests[before].items[0]).toMatchObject({ $distinct_id: 'user-9', $delete: 'user-9' });
  });

  it('sends nothing when tracking was not allowed (pending or denied)', async () => {
    localStorage.setItem(FLAG, '0');
    const denied = start();
    denied.identify('user-9');
    denied.opt_out_tracking();

    resetBrowser();
    const pending = start({ opt_out_tracking_by_default: true });
    pending.identify('user-9');
    pending.opt_out_tracking();
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);
  });
});
