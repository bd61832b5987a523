/** @jest-environment jsdom */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import heedDefault, { createHeed, type Heed, type InitConfig } from '../../src/entry/browser';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'eventsTok';
const PROFILE = `mp_${TOKEN}_mixpanel`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const VERSION = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

const rig = useTracker(TOKEN);

const start = (config: InitConfig = {}, token = TOKEN): Heed => rig.start(config, token);

/** Flush and return what arrived at /track, by event name (last one wins). */
async function sent(heed: Heed): Promise<Record<string, any>> {
  await heed.flush();
  return Object.fromEntries(rig.server.accepted('track').map((e) => [e.event, e]));
}

describe('event properties', () => {
  it('carry Mixpanel’s identity and library fields for an anonymous user', async () => {
    const heed = start();
    const before = Date.now();
    heed.track('Signed up', { plan: 'pro' });
    const { 'Signed up': e } = await sent(heed);
    const p = e.properties;

    expect(p.token).toBe(TOKEN);
    expect(p.$device_id).toMatch(UUID);
    expect(p.distinct_id).toBe('$device:' + p.$device_id);
    expect(heed.get_distinct_id()).toBe(p.distinct_id);
    expect(p).not.toHaveProperty('$user_id');
    expect(Number.isInteger(p.time)).toBe(true);
    expect(p.time).toBeGreaterThanOrEqual(before);
    expect(p.time).toBeLessThanOrEqual(Date.now());
    expect(p.$insert_id).toMatch(/^[A-Za-z0-9-]{1,36}$/);
    expect(p.mp_lib).toBe('heed');
    expect(p.$lib_version).toBe(VERSION);
    expect(p.$current_url).toBe(location.href);
    expect(p.plan).toBe('pro');
  });

  it('gives every event its own $insert_id', async () => {
    const heed = start();
    for (let i = 0; i < 200; i++) heed.track('e', { i });
    await heed.flush();
    const ids = rig.server.accepted('track').map((e) => e.properties.$insert_id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9-]{1,36}$/);
    // A second instance (another page) does not repeat them.
    const other = start({}, 'otherTok');
    other.track('e');
    await other.flush();
    expect(ids).not.toContain(rig.server.accepted('track')[200].properties.$insert_id);
  });

  it('keeps the device id across page loads (persisted profile)', async () => {
    const first = start();
    first.track('a');
    const device = (await sent(first)).a.properties.$device_id;
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).toMatchObject({ $device_id: device });

    const second = start();
    second.track('b');
    expect((await sent(second)).b.properties.$device_id).toBe(device);
  });

  it('property_blacklist removes properties, including automatic ones', async () => {
    const heed = start({ property_blacklist: ['$current_url', 'secret', 'plan'] });
    heed.register({ plan: 'pro' });
    heed.track('x', { secret: 's', kept: 1 });
    const p = (await sent(heed)).x.properties;
    expect(p).not.toHaveProperty('$current_url');
    expect(p).not.toHaveProperty('secret');
    expect(p).not.toHaveProperty('plan');
    expect(p.kept).toBe(1);
  });

  it('truncates strings (values, nested values and the event name) to 255 characters', async () => {
    const heed = start();
    const long = 'x'.repeat(300);
    heed.track('y'.repeat(300), { long, nested: { deep: long }, list: [long] });
    await heed.flush();
    const [e] = rig.server.accepted('track');
    expect(e.event).toBe('y'.repeat(255));
    expect(e.properties.long).toBe('x'.repeat(255));
    expect(e.properties.nested.deep).toHaveLength(255);
    expect(e.properties.list[0]).toHaveLength(255);
  });

  it('sanitizes cycles, BigInt, functions, symbols, NaN, Dates and throwing getters without throwing', async () => {
    const heed = start();
    const cyclic: any = { n: 1 };
    cyclic.self = cyclic;
    const list: any[] = [1];
    list.push(list);
    const props: any = {
      cyclic,
      list,
      big: BigInt('12345678901234567890'),
      fn: () => 1,
      sym: Symbol('s'),
      nan: NaN,
      inf: Infinity,
      date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      undef: undefined,
      ok: 'yes',
    };
    Object.defineProperty(props, 'bad', { enumerable: true, get: () => { throw new Error('getter'); } });
    const results: unknown[] = [];
    expect(() => heed.track('messy', props, (r) => results.push(r))).not.toThrow();
    const p = (await sent(heed)).messy.properties;
    expect(p.cyclic).toEqual({ n: 1 });
    expect(p.list).toEqual([1]);
    expect(p.big).toBe('12345678901234567890');
    expect(p.date).toBe('2024-01-02T03:04:05');
    expect(p.nan).toBeNull();
    expect(p.inf).toBeNull();
    expect(p.ok).toBe('yes');
    for (const dropped of ['fn', 'sym', 'undef', 'bad']) expect(p).not.toHaveProperty(dropped);
    expect(results).toEqual([1]);
  });

  it('a non-string or empty event name calls back 0 and does not throw', async () => {
    const heed = start();
    const results: unknown[] = [];
    const cb = (r: 0 | 1) => void results.push(r);
    const track = heed.track as (...args: unknown[]) => void;
    for (const name of [undefined, null, 42, {}, ['a'], '']) {
      expect(() => track(name, {}, cb)).not.toThrow();
    }
    await heed.flush();
    await rig.server.quiet();
    expect(results).toEqual([0, 0, 0, 0, 0, 0]);
    expect(rig.server.requests).toEqual([]);
  });

  it('accepts Mixpanel’s argument shapes: (name), (name, props, cb), (name, props, options, cb)', async () => {
    const heed = start();
    const results: string[] = [];
    heed.track('bare');
    heed.track('cb', { a: 1 }, () => void results.push('cb'));
    heed.track('options', { b: 2 }, { transport: 'sendBeacon' }, () => void results.push('options'));
    const got = await sent(heed);
    expect(Object.keys(got).sort()).toEqual(['bare', 'cb', 'options']);
    expect(got.options.properties.b).toBe(2);
    expect(results.sort()).toEqual(['cb', 'options']);
  });
});

describe('super properties', () => {
  it('register, register_once (default "None"), unregister and persistent: false', async () => {
    const heed = start();
    heed.register({ plan: 'pro', ref: 'None', custom: 'unset' });
    heed.register_once({ plan: 'free', first: 'x' }); // plan stays, first is new
    heed.register_once({ ref: 'google' }); // 'None' is the default placeholder: replaced
    heed.register_once({ custom: 'v' }, 'unset'); // a custom placeholder
    heed.register({ page_only: true }, { persistent: false });
    heed.register({ gone: 1 });
    heed.unregister('gone');
    heed.register({ tmp: 1 }, { persistent: false });
    heed.unregister('tmp', { persistent: false });
    heed.track('x', { plan: 'override' });
    heed.track('y');
    const got = await sent(heed);

    expect(got.y.properties).toMatchObject({ plan: 'pro', first: 'x', ref: 'google', custom: 'v', page_only: true });
    expect(got.y.properties).not.toHaveProperty('gone');
    expect(got.y.properties).not.toHaveProperty('tmp');
    expect(got.x.properties.plan).toBe('override'); // event properties win
    expect(heed.get_property('plan')).toBe('pro');
    expect(heed.get_property('page_only')).toBe(true);

    // Persistent ones are stored in the profile; persistent: false ones are not.
    const stored = JSON.parse(localStorage.getItem(PROFILE)!);
    expect(stored).toMatchObject({ plan: 'pro', first: 'x', ref: 'google', custom: 'v' });
    expect(stored).not.toHaveProperty('page_only');
    expect(stored).not.toHaveProperty('gone');

    // The next page sees the persistent ones only.
    const next = start();
    next.track('z');
    const z = (await sent(next)).z.properties;
    expect(z).toMatchObject({ plan: 'pro', first: 'x' });
    expect(z).not.toHaveProperty('page_only');
  });

  it('reserved __ keys (timers) never go into events', async () => {
    const heed = start();
    heed.time_event('later');
    heed.track('now');
    const p = (await sent(heed)).now.properties;
    expect(Object.keys(p).filter((k) => k.startsWith('__'))).toEqual([]);
  });
});

describe('identity', () => {
  it('identify sends $identify with $anon_distinct_id and adds $user_id to later events', async () => {
    const heed = start();
    const anon = heed.get_distinct_id()!;
    const device = heed.get_property('$device_id');
    heed.identify('user-1');
    heed.identify('user-1'); // no second $identify
    heed.track('after');
    await heed.flush();
    const events = rig.server.accepted('track');
    expect(events.map((e) => e.event)).toEqual(['$identify', 'after']);
    expect(events[0].properties).toMatchObject({ distinct_id: 'user-1', $anon_distinct_id: anon, $device_id: device });
    expect(events[1].properties).toMatchObject({ distinct_id: 'user-1', $user_id: 'user-1', $device_id: device });
    expect(heed.get_distinct_id()).toBe('user-1');
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).toMatchObject({ distinct_id: 'user-1', $user_id: 'user-1' });
  });

  // mixpanel-browser 2.82 (issue 12): a "$device:" or empty id returns -1; a number is an id.
  it('identify refuses "$device:" ids, empty ids and non-ids with -1, and takes a number as its string', async () => {
    const heed = start();
    const anon = heed.get_distinct_id();
    expect(heed.identify('$device:forged')).toBe(-1);
    expect(heed.identify('')).toBe(-1);
    expect((heed.identify as (id: unknown) => unknown)({ id: 1 })).toBe(-1);
    await heed.flush();
    await rig.server.quiet();
    expect(heed.get_distinct_id()).toBe(anon);
    expect(rig.server.requests).toEqual([]);
    expect(heed.identify(7)).toBeUndefined();
    expect(heed.get_distinct_id()).toBe('7');
  });

  // mixpanel-browser 2.82 (issue 12): alias keeps the current distinct_id; the alias becomes $user_id.
  it('alias sends $create_alias with the original id, then $identify, and keeps the distinct_id', async () => {
    const heed = start();
    const anon = heed.get_distinct_id();
    const queued = heed.alias('new-id');
    await heed.flush();
    const events = rig.server.accepted('track');
    expect(events.map((e) => e.event)).toEqual(['$create_alias', '$identify']);
    expect(events[0].properties).toMatchObject({ alias: 'new-id', distinct_id: anon });
    expect(queued).toMatchObject({ event: '$create_alias' });
    expect(heed.get_distinct_id()).toBe(anon);
    expect(heed.get_property('$user_id')).toBe('new-id');
    expect(heed.alias(anon!)).toBe(-1);
  });

  it('reset gives a new device id and forgets the user and super properties', async () => {
    const heed = start();
    heed.identify('user-1');
    heed.register({ plan: 'pro' });
    const oldDevice = heed.get_property('$device_id');
    heed.reset();
    heed.track('after reset');
    const p = (await sent(heed))['after reset'].properties;
    expect(p.$device_id).toMatch(UUID);
    expect(p.$device_id).not.toBe(oldDevice);
    expect(p.distinct_id).toBe('$device:' + p.$device_id);
    expect(p).not.toHaveProperty('$user_id');
    expect(p).not.toHaveProperty('plan');
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).toEqual({ distinct_id: p.distinct_id, $device_id: p.$device_id });
  });

  it('time_event adds $duration in seconds to the next event of that name only', async () => {
    const heed = start();
    heed.time_event('load');
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 60));
    heed.track('load');
    const elapsed = (Date.now() - t0) / 1000;
    heed.track('other');
    await heed.flush();
    heed.track('load');
    await heed.flush();
    const [first, other, second] = rig.server.accepted('track');
    expect(first.properties.$duration).toBeGreaterThanOrEqual(0.05);
    expect(first.properties.$duration).toBeLessThanOrEqual(elapsed + 0.01);
    expect(other.properties).not.toHaveProperty('$duration');
    expect(second.properties).not.toHaveProperty('$duration');
  });
});

describe('lifecycle', () => {
  it('calls before init do not throw, call back 0 and send nothing', async () => {
    const heed = createHeed();
    const results: unknown[] = [];
    const cb = (r: 0 | 1) => void results.push(r);
    expect(() => {
      heed.track('x', {}, cb);
      heed.track_pageview({}, cb);
      heed.people.set('a', 1, cb);
      heed.people.delete_user(cb);
      heed.get_group('g', 'x').set('a', 1, cb);
      heed.set_group('g', 'x', cb);
      heed.identify('u');
      heed.alias('a');
      heed.register({ a: 1 });
      heed.register_once({ a: 1 });
      heed.unregister('a');
      heed.time_event('x');
      heed.reset();
      heed.opt_in_tracking();
      heed.opt_out_tracking();
      heed.clear_opt_in_out_tracking();
      heed.set_config({ debug: false });
    }).not.toThrow();
    await expect(heed.flush()).resolves.toBeUndefined();
    expect(heed.get_distinct_id()).toBeUndefined();
    expect(results).toEqual([0, 0, 0, 0, 0, 0]);
    expect(localStorage.length).toBe(0);
    expect(document.cookie).toBe('');

    // init afterwards works normally.
    heed.init(TOKEN, { api_host: rig.server.url });
    heed.track('after init');
    expect(Object.keys(await sent(heed))).toEqual(['after init']);
  });

  it('the default export is an uninitialised instance with the same API', () => {
    expect(typeof heedDefault.init).toBe('function');
    expect(heedDefault.get_distinct_id()).toBeUndefined();
  });

  it('a second init is ignored: the first token and config stay', async () => {
    const heed = start({ batch_size: 7 });
    const again = heed.init('secondTok', { api_host: 'http://127.0.0.1:9', batch_size: 1 });
    expect(again).toBe(heed);
    expect(heed.get_config('api_host')).toBe(rig.server.url);
    expect(heed.get_config('batch_size')).toBe(7);
    heed.track('x');
    expect((await sent(heed)).x.properties.token).toBe(TOKEN);
  });

  it('init without a token leaves heed off', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const heed = createHeed();
      heed.init('', { api_host: rig.server.url });
      const results: unknown[] = [];
      heed.track('x', {}, (r) => results.push(r));
      await heed.flush();
      expect(results).toEqual([0]);
      expect(error).toHaveBeenCalledTimes(1);
      expect(localStorage.length).toBe(0);
    } finally {
      error.mockRestore();
    }
  });

  it('named instances: init(token, config, name) returns heed[name], with separate state and storage', async () => {
    const heed = start();
    const other = heed.init('otherTok', { api_host: rig.server.url, batch_flush_interval_ms: 60_000 }, 'other');
    expect((heed as unknown as Record<string, unknown>).other).toBe(other);
    expect(other).not.toBe(heed);
    expect(other.get_distinct_id()).not.toBe(heed.get_distinct_id());

    heed.register({ site: 'main' });
    other.identify('other-user');
    other.opt_out_tracking({ delete_user: false });
    expect(heed.has_opted_out_tracking()).toBe(false);
    expect(localStorage.getItem('__mp_opt_in_out_otherTok')).toBe('0');
    expect(localStorage.getItem('__mp_opt_in_out_' + TOKEN)).toBeNull();

    other.opt_in_tracking({ track: false });
    other.track('from other');
    heed.track('from main');
    await other.flush();
    const got = await sent(heed);
    expect(got['from main'].properties).toMatchObject({ token: TOKEN, site: 'main' });
    expect(got['from other'].properties.token).toBe('otherTok');
    expect(got['from other'].properties).not.toHaveProperty('site');
    expect(got['from main'].properties.distinct_id).not.toBe('other-user');

    // Asking for the same name again returns the existing instance.
    expect(heed.init('third', {}, 'other')).toBe(other);
  });

  it('get_config returns the defaults merged with init config; set_config changes them', () => {
    const heed = start({ batch_size: 10 });
    expect(heed.get_config()).toMatchObject({ batch_size: 10, api_payload_format: 'json', ip: true, persistence: 'localStorage' });
    heed.set_config({ ip: false });
    expect(heed.get_config('ip')).toBe(false);
    const copy = heed.get_config();
    copy.batch_size = 99;
    expect(heed.get_config('batch_size')).toBe(10);
  });

  it('track_pageview sends $mp_web_page_view with the page fields', async () => {
    const heed = start();
    heed.track_pageview({ section: 'docs' });
    const p = (await sent(heed)).$mp_web_page_view.properties;
    expect(p).toMatchObject({
      section: 'docs',
      current_domain: location.hostname,
      current_url_path: location.pathname,
      current_url_protocol: location.protocol,
    });
  });
});
