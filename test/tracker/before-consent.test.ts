/** @jest-environment jsdom */
import { createHeed, type Heed, type InitConfig } from '../../src/entry/browser';
import { localEntries } from '../helpers/browser';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'pendingTok';
const FLAG = '__mp_opt_in_out_' + TOKEN;

const rig = useTracker(TOKEN);

/** Everything an app typically calls on page load, before the consent banner was answered. */
function useEverything(heed: Heed, results: number[]) {
  const cb = (r: 0 | 1) => void results.push(r);
  for (let i = 0; i < 20; i++) heed.track('page event ' + i, { i }, cb);
  heed.track('with options', { a: 1 }, { send_immediately: true }, cb);
  heed.track_pageview({}, cb);
  heed.identify('user-1');
  heed.register({ plan: 'pro' });
  heed.register_once({ first_seen: 'today' });
  heed.register({ tab: 'x' }, { persistent: false });
  heed.people.set('name', 'Ada', cb);
  heed.people.set_once({ created: 'now' }, cb);
  heed.people.increment('logins', cb);
  heed.people.append('list', 'x', cb);
  heed.people.union('tags', ['a'], cb);
  heed.people.remove('tags', 'a', cb);
  heed.people.unset('name', cb);
  heed.people.delete_user(cb);
  heed.time_event('checkout');
  heed.alias('alias-1');
  heed.set_group('company', 'acme', cb);
  heed.add_group('company', 'beta', cb);
  heed.remove_group('company', 'acme', cb);
  const group = heed.get_group('company', 'acme');
  group.set('plan', 'pro', cb);
  group.set_once('since', '2020', cb);
  group.union('tags', ['t'], cb);
  group.unset('plan', cb);
  group.remove('tags', 't', cb);
  group.delete(cb);
  heed.reset();
  return 20 + 2 + 8 + 3 + 6; // calls that take a callback
}

const pending: InitConfig = { opt_out_tracking_by_default: true, batch_size: 5, batch_flush_interval_ms: 10 };

describe('nothing before consent (opt_out_tracking_by_default, no stored decision)', () => {
  it.each([
    ['localStorage persistence', {}],
    ['cookie persistence', { persistence: 'cookie' } as InitConfig],
    ['cookie consent flag', { opt_out_tracking_persistence_type: 'cookie' } as InitConfig],
  ])('%s: sends nothing, stores nothing, calls back 0', async (_name, extra) => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, ...pending, ...extra });
    const results: number[] = [];
    const calls = useEverything(heed, results);
    await heed.flush();
    await rig.server.quiet();

    expect(rig.server.requests).toHaveLength(0);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
    expect(results).toEqual(new Array(calls).fill(0));
    expect(heed.consent.status()).toBe('pending');
  });

  it('opt_in_tracking() stores 1, sends $opt_in at once, then tracks normally; earlier calls stay unsent', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, opt_out_tracking_by_default: true, batch_flush_interval_ms: 60_000 });
    for (let i = 0; i < 20; i++) heed.track('before ' + i);
    heed.people.set('before', true);

    heed.opt_in_tracking();
    expect(localStorage.getItem(FLAG)).toBe('1');
    expect(heed.has_opted_in_tracking()).toBe(true);
    expect(heed.has_opted_out_tracking()).toBe(false);

    // `send_immediately`: it arrives without a flush and before the 60 s interval.
    await rig.server.waitForRequests(1);
    expect(rig.server.requests).toHaveLength(1);
    const [optIn] = rig.server.accepted('track');
    expect(optIn.event).toBe('$opt_in');
    expect(optIn.properties.distinct_id).toBe(heed.get_distinct_id());
    expect(optIn.properties.token).toBe(TOKEN);

    heed.track('after');
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['$opt_in', 'after']);
    expect(rig.server.accepted('engage')).toEqual([]);
    // Consent also lets the profile be stored.
    expect(Object.keys(localEntries()).sort()).toEqual([FLAG, `mp_${TOKEN}_mixpanel`]);
  });

  it('sends a custom track_event_name with track_properties', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, opt_out_tracking_by_default: true });
    heed.opt_in_tracking({ track_event_name: 'consent given', track_properties: { source: 'banner', level: 2 } });
    await rig.server.waitForRequests(1);
    const [event] = rig.server.accepted('track');
    expect(event.event).toBe('consent given');
    expect(event.properties).toMatchObject({ source: 'banner', level: 2, token: TOKEN });
  });

  it('track: false skips the opt-in event but opens the gate', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, opt_out_tracking_by_default: true });
    heed.opt_in_tracking({ track: false });
    await heed.flush();
    await rig.server.quiet();
    expect(rig.server.requests).toHaveLength(0);
    expect(localStorage.getItem(FLAG)).toBe('1');

    heed.track('first real event');
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['first real event']);
  });

  it('a track function (Mixpanel passes one) is called instead of heed sending the event', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, opt_out_tracking_by_default: true });
    const calls: unknown[][] = [];
    heed.opt_in_tracking({ track: (name, props) => void calls.push([name, props]), track_properties: { a: 1 } });
    await heed.flush();
    await rig.server.quiet();
    expect(calls).toEqual([['$opt_in', { a: 1 }]]);
    expect(rig.server.requests).toHaveLength(0);
  });

  it('clear_opt_in_out_tracking() after an opt-in returns to pending and removes what consent allowed to store', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, opt_out_tracking_by_default: true });
    heed.opt_in_tracking({ track: false });
    heed.identify('user-1');
    heed.track('queued, not yet sent');
    expect(localStorage.length).toBe(2);

    heed.clear_opt_in_out_tracking();
    expect(heed.consent.status()).toBe('pending');
    expect(localStorage.length).toBe(0);
    heed.track('after clear');
    await heed.flush();
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);
  });

  it('a stored opt-in from an earlier page opens the gate at init', async () => {
    localStorage.setItem(FLAG, '1');
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, opt_out_tracking_by_default: true });
    heed.track('returning visitor');
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['returning visitor']);
  });
});
