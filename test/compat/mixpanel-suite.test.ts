/** @jest-environment jsdom */
/**
 * mixpanel-browser's own behavioural suite (mixpanel/mixpanel-js tests/test.js), asserted against
 * heed's public API for the methods heed implements. Each test names the mixpanel-js module and
 * test it mirrors. Where heed differs on purpose (README "Migrating from mixpanel-browser", the
 * consent-first rules), the test asserts heed's documented behaviour and says so.
 */
import { createHeed, type Heed, type InitConfig } from '../../src/entry/browser';
import { cookies, localEntries, patch, signal } from '../helpers/browser';
import { peopleInfo } from '../helpers/people-info';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'compatTok';
const PROFILE = `mp_${TOKEN}_mixpanel`;
const FLAG = `__mp_opt_in_out_${TOKEN}`;
const CHROME = 'Mozilla/5.0 (Windows NT 6.2; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1667.0 Safari/537.36';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A profile as mixpanel-browser 2.82 stores it for an identified user. */
const STORED = { distinct_id: '12345', $device_id: 'dev-1', $user_id: '12345', asdf: 'asdf' };

const rig = useTracker(TOKEN);
const start = (config: InitConfig = {}, token = TOKEN): Heed => rig.start(config, token);

type Result = 0 | 1 | { status: 0 | 1; error: string | null };

/** A callback and the results it was given. */
function recorder(): { cb: (r: Result) => void; results: Result[] } {
  const results: Result[] = [];
  return { cb: (r) => void results.push(r), results };
}

/** Flush, then the events that reached /track (without $identify unless asked). */
async function events(heed: Heed, withIdentify = false): Promise<any[]> {
  await heed.flush();
  return rig.server.accepted('track').filter((e) => withIdentify || e.event !== '$identify');
}

/** The stored profile `mp_<token>_mixpanel`, parsed. */
function profile(name = PROFILE): Record<string, any> | null {
  const raw = localStorage.getItem(name);
  return raw === null ? null : JSON.parse(raw);
}

/** An identified tracker and the device id it had before `identify`. */
function identified(id = 'user-1', config: InitConfig = {}): { heed: Heed; device: string; anon: string } {
  const heed = start(config);
  const device = String(heed.get_property('$device_id'));
  const anon = String(heed.get_distinct_id());
  heed.identify(id);
  return { heed, device, anon };
}

describe('mixpanel.track', () => {
  // "check callback"
  it('calls back 1 once the server accepted the event', async () => {
    const heed = start();
    const { cb, results } = recorder();
    heed.track('test', {}, cb);
    await heed.flush();
    expect(results).toEqual([1]);
  });

  // "callback doesn't override"
  it('calls back every track() of a batch, each once', async () => {
    const heed = start();
    const { cb, results } = recorder();
    const other = recorder();
    heed.track('test', {}, cb);
    heed.track('test', {}, other.cb);
    await heed.flush();
    expect([results, other.results]).toEqual([[1], [1]]);
  });


  // "check no property name aliasing occurs during minify" (200 names: heed sends fewer than 255
  // properties, README "Payloads stay within Mixpanel's limits"; mixpanel-browser sends all 2,756)
  it('sends short property names unchanged and leaves the caller’s object alone', async () => {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const props: Record<string, string> = {};
    for (const a of letters) props[a] = a;
    for (const b of letters.slice(0, 20)) for (const a of 'abcdefg') props[a + b] = a + b;
    const copy = { ...props };
    const heed = start();
    heed.track('test', props);
    const [e] = await events(heed);
    expect(props).toEqual(copy);
    expect(e.properties).toMatchObject(copy);
  });

  // the same test's 2,756 names: a documented difference (README: fewer than 255 properties)
  it('caps an event below 255 properties', () => {
    const props: Record<string, number> = {};
    for (let i = 0; i < 2756; i++) props['p' + i] = i;
    expect(Object.keys(start().track('test', props)!.properties).length).toBeLessThan(255);
  });

  // "token property does not override configured token"
  it('a token property does not override the configured token', () => {
    const heed = start();
    const data = heed.track('test', { token: 'HOPE NOT' });
    expect(data?.properties.token).toBe(heed.get_config('token'));
    expect(data?.properties.token).toBe(TOKEN);
  });

  // "properties on blacklist are not sent"
  it('property_blacklist (set_config) removes default and custom properties from the returned data', () => {
    const heed = start();
    heed.set_config({ property_blacklist: ['$current_url', '$referrer', 'blacklisted_custom_prop'] });
    const data = heed.track('test', { blacklisted_custom_prop: 'foo', other_custom_prop: 'bar' });
    expect(data?.properties).not.toHaveProperty('$current_url');
    expect(data?.properties).not.toHaveProperty('$referrer');
    expect(data?.properties).not.toHaveProperty('blacklisted_custom_prop');
    expect(data?.properties.other_custom_prop).toBe('bar');
  });

  // "disable() disables all event tracking from firing"
  it('disable() makes every track() call back 0 and send nothing', async () => {
    const heed = start();
    const { cb, results } = recorder();
    heed.disable();
    heed.track('event_a', {}, cb);
    heed.track('event_b', {}, cb);
    expect(await events(heed)).toEqual([]);
    expect(results).toEqual([0, 0]);
  });

  // "disable([event_arr]) disables individual events"
  it('disable([names]) twice adds to the list: only those events call back 0', async () => {
    const heed = start();
    const got: Record<string, Result> = {};
    heed.disable(['event_a']);
    heed.disable(['event_c']);
    for (const name of ['event_a', 'event_b', 'event_c']) heed.track(name, {}, (r) => void (got[name] = r));
    expect((await events(heed)).map((e) => e.event)).toEqual(['event_b']);
    expect(got).toEqual({ event_a: 0, event_b: 1, event_c: 0 });
  });

  // "should truncate properties to 255 characters"
  it('truncates the event name and string values (nested too) to 255 characters in the returned data', () => {
    const long = 'Lorem ipsum '.repeat(30);
    const heed = start();
    const data = heed.track(long, {
      short_prop: 'testing 1 2 3',
      long_prop: long,
      number: 2342,
      obj: { long_prop: long },
      num_array: [1, 2, 3],
      longstr_array: [long],
    })!;
    const p = data.properties as Record<string, any>;
    expect(data.event).toHaveLength(255);
    expect(p.short_prop).toBe('testing 1 2 3');
    expect(p.long_prop).toHaveLength(255);
    expect(p.number).toBe(2342);
    expect(p.obj.long_prop).toHaveLength(255);
    expect(p.num_array).toEqual([1, 2, 3]);
    expect(p.longstr_array[0]).toHaveLength(255);
  });

  // "should send screen properties"
  it('carries $screen_height and $screen_width', () => {
    const p = start().track('test')!.properties;
    expect(p.$screen_height).toBe(screen.height);
    expect(p.$screen_width).toBe(screen.width);
  });

  // "should _not_ override user sent time"
  // (README: a caller's time Mixpanel would refuse, such as 123456, is replaced by heed's own)
  it('sets time, but keeps a time the caller gave', () => {
    const heed = start();
    const given = Date.now() - 60_000;
    expect(heed.track('test', { foo: 'bar' })!.properties).toHaveProperty('time');
    expect(heed.track('test', { foo: 'bar', time: given })!.properties.time).toBe(given);
    expect(heed.track('test', { foo: 'bar', time: 123456 })!.properties.time).not.toBe(123456);
  });

  // "info properties included"
  it('carries the info properties ($os, $browser, $current_url, ..., mp_lib)', () => {
    // jsdom's own user agent names no OS or version and its document has no referrer: a browser's does
    patch(navigator, 'userAgent', { get: () => CHROME });
    patch(document, 'referrer', { get: () => 'https://ref.example.com/a?b=c' });
    const p = start().track('check info props')!.properties;
    for (const name of ['$os', '$browser', '$current_url', '$browser_version', '$referrer', '$referring_domain', 'mp_lib']) {
      expect(p).toHaveProperty([name]);
    }
  });

  // "current url set correctly"
  it('$current_url is the page’s location.href', () => {
    expect(start().track('check current url')!.properties.$current_url).toBe(window.location.href);
  });

  // the properties every event carries (distinct_id, $device_id, token, time, $insert_id)
  it('an anonymous event carries distinct_id "$device:<uuid>", $device_id, token, integer ms time and $insert_id', async () => {
    const heed = start();
    const returned = heed.track('test')!;
    const [e] = await events(heed);
    const p = e.properties;
    expect(p.$device_id).toMatch(UUID);
    expect(p.distinct_id).toBe(`$device:${p.$device_id}`);
    expect(p.token).toBe(TOKEN);
    expect(Number.isInteger(p.time)).toBe(true); // README: heed sends integer milliseconds
    expect(typeof p.$insert_id).toBe('string');
    expect(p).not.toHaveProperty('$user_id');
    expect(returned.properties.$insert_id).toBe(p.$insert_id);
  });
});

describe('mixpanel.time_event', () => {
  // "it sets $duration to the elapsed time between time_event and track"
  it('sets $duration (seconds) to the time between time_event and track', () => {
    const heed = start();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    try {
      heed.time_event('test');
      clock.mockReturnValue(1_700_000_000_123);
      expect(heed.track('test')!.properties.$duration).toBe(0.123);
    } finally {
      clock.mockRestore();
    }
  });
});

describe('localStorage persistence', () => {
  // "persistence name"
  it('stores the profile under mp_<token>_mixpanel, or mp_<persistence_name>', () => {
    start({ persistence: 'localStorage' });
    expect(localStorage.getItem(PROFILE)).not.toBeNull();
    start({ persistence: 'localStorage', persistence_name: 'sn2' }, 'otherTok');
    expect(localStorage.getItem('mp_sn2')).not.toBeNull();
    expect(localStorage.getItem(PROFILE)).not.toBeNull();
  });

  // "disable persistence"
  it('disable_persistence: super properties still reach events, nothing is stored under the name', async () => {
    const heed = start({ persistence: 'localStorage', persistence_name: 'persistence_name', disable_persistence: true });
    heed.register({ a: 'b' });
    const { cb, results } = recorder();
    const data = heed.track('test', { c: 'd' }, cb)!;
    expect(data.properties).toHaveProperty('token');
    expect(data.properties).toMatchObject({ a: 'b', c: 'd' });
    expect(heed.get_property('a')).toBe('b');
    await heed.flush();
    expect(results).toEqual([1]);
    expect(localStorage.getItem('mp_persistence_name')).toBeNull();
  });

  // "Old values loaded" (as the localStorage mixpanel-browser leaves behind)
  it('loads the identity and super properties mixpanel-browser stored', () => {
    localStorage.setItem(PROFILE, JSON.stringify({ ...STORED, $original_referrer: 'http://whodat.com' }));
    const heed = start();
    expect(heed.get_distinct_id()).toBe('12345');
    expect(heed.get_property('asdf')).toBe('asdf');
    expect(heed.get_property('$original_referrer')).toBe('http://whodat.com');
  });
});

describe('cookies', () => {
  // "Old values loaded"
  it('persistence: "cookie" loads the identity and super properties from the mp_<token>_mixpanel cookie', () => {
    document.cookie = `${PROFILE}=${encodeURIComponent(JSON.stringify(STORED))}; path=/`;
    const heed = start({ persistence: 'cookie' });
    expect(heed.get_distinct_id()).toBe('12345');
    expect(heed.get_property('asdf')).toBe('asdf');
  });

  // "cookie name"
  it('persistence: "cookie" writes the profile cookie mp_<token>_mixpanel, or mp_<cookie_name>', () => {
    start({ persistence: 'cookie' });
    expect(cookies()).toHaveProperty([PROFILE]);
    start({ persistence: 'cookie', cookie_name: 'cn2' }, 'otherTok');
    expect(cookies()).toHaveProperty(['mp_cn2']);
  });

  // "disable cookies"
  it('disable_cookie: no cookie, tracking and super properties still work', async () => {
    const heed = start({ persistence: 'cookie', cookie_name: 'mpl_should_not_exist', disable_cookie: true });
    heed.register({ a: 'b' });
    const data = heed.track('test', { c: 'd' })!;
    expect(data.properties).toMatchObject({ a: 'b', c: 'd', token: TOKEN });
    expect(cookies()).not.toHaveProperty(['mp_mpl_should_not_exist']);
  });
});

describe('mixpanel', () => {
  // "constructor"
  it('a second instance on the same persistence_name loads the super properties; another name does not', () => {
    const first = start({ persistence_name: 'mpl_t2' });
    first.register({ test: 'all' });
    expect(first.get_distinct_id()).toBe(`$device:${first.get_property('$device_id')}`);
    expect(start({ persistence_name: 'mpl_t2' }).get_property('test')).toBe('all');
    expect(start({ persistence_name: 'mpl_t' }).get_property('test')).toBeUndefined();
  });

  // "initial referrers set correctly"
  it('stores $initial_referrer / $initial_referring_domain, "$direct" without a referrer', () => {
    const heed = start();
    heed.track_pageview();
    expect(heed.get_property('$initial_referrer')).toBe('$direct');
    expect(heed.get_property('$initial_referring_domain')).toBe('$direct');
  });

  // "set_config"
  it('set_config saves the value get_config returns', () => {
    const heed = start();
    expect(heed.get_config('test')).toBeFalsy();
    heed.set_config({ test: true });
    expect(heed.get_config('test')).toBe(true);
  });

  // "get_property"
  it('get_property is undefined for an unset property and the value of a registered one', () => {
    const heed = start();
    expect(heed.get_property('test_get_property')).toBeUndefined();
    heed.register({ test_get_property: '23fj22j09jdlsa' });
    expect(heed.get_property('test_get_property')).toBe('23fj22j09jdlsa');
  });
});

describe('super properties', () => {
  // "register"
  it('register stores the properties in mp_<token>_mixpanel beside distinct_id and $device_id', () => {
    const heed = start();
    heed.register({ hi: 'there' });
    const stored = profile()!;
    expect(stored).toMatchObject({ hi: 'there', distinct_id: heed.get_distinct_id(), $device_id: heed.get_property('$device_id') });
  });

  // "register_once"
  it('register_once does not override a set value, even a falsy one', () => {
    const heed = start();
    heed.register_once({ hi: 'there' });
    heed.register_once({ hi: 'ho' });
    heed.register_once({ falsey: 0 });
    heed.register_once({ falsey: 1 });
    expect([heed.get_property('hi'), heed.get_property('falsey')]).toEqual(['there', 0]);
    expect(profile()).toMatchObject({ hi: 'there', falsey: 0 });
  });

  // register_once(props, default_value): a value equal to the default counts as unset
  it('register_once overrides a value equal to the default ("None" unless given)', () => {
    const heed = start();
    heed.register({ a: 'None', b: 'dflt', c: 'keep' });
    heed.register_once({ a: 1, b: 2, c: 3 }, 'dflt');
    expect([heed.get_property('a'), heed.get_property('b'), heed.get_property('c')]).toEqual(['None', 2, 'keep']);
    heed.register_once({ a: 4 });
    expect(heed.get_property('a')).toBe(4);
  });

  // "unregister" (persistence.unregister)
  it('unregister removes a super property from later events and from storage', () => {
    const heed = start();
    heed.register({ a: 1, b: 2 });
    heed.unregister('a');
    const p = heed.track('test')!.properties;
    expect(p).not.toHaveProperty('a');
    expect(p.b).toBe(2);
    expect(profile()).not.toHaveProperty('a');
  });

  // "identify"
  it('identify sets distinct_id and $user_id, and keeps $device_id', () => {
    const { heed, device } = identified('some-id');
    expect(heed.get_distinct_id()).toBe('some-id');
    expect(heed.get_property('$user_id')).toBe('some-id');
    expect(heed.get_property('$device_id')).toBe(device);
  });

  // "name_tag"
  it('name_tag registers mp_name_tag', () => {
    const heed = start();
    heed.name_tag('fake name');
    expect(heed.get_property('mp_name_tag')).toBe('fake name');
    expect(profile()).toMatchObject({ mp_name_tag: 'fake name' });
  });

  // "super properties included"
  it('super properties are included in events, with the token', () => {
    const heed = start();
    heed.register({ a: 'b', c: 'd' });
    expect(heed.track('test')!.properties).toMatchObject({ a: 'b', c: 'd', token: TOKEN });
  });

  // "super properties overridden by manual props"
  it('a track() property overrides the super property of the same name', () => {
    const heed = start();
    heed.register({ a: 'b', c: 'd' });
    expect(heed.track('test', { a: 'c' })!.properties).toMatchObject({ a: 'c', c: 'd', token: TOKEN });
  });
});

describe('identify', () => {
  // mixpanel.identify: "$identify" with $anon_distinct_id when the id changes
  it('sends $identify with distinct_id and $anon_distinct_id, and later events carry $user_id and $device_id', async () => {
    const { heed, device, anon } = identified('user-1');
    heed.track('after');
    const all = await events(heed, true);
    const ident = all.find((e) => e.event === '$identify');
    expect(ident.properties).toMatchObject({ distinct_id: 'user-1', $anon_distinct_id: anon });
    expect(all.find((e) => e.event === 'after').properties).toMatchObject({ distinct_id: 'user-1', $user_id: 'user-1', $device_id: device });
  });

  // mixpanel.identify: no $identify when the id does not change
  it('identify twice with the same id sends $identify once', async () => {
    const { heed } = identified('user-1');
    heed.identify('user-1');
    expect((await events(heed, true)).filter((e) => e.event === '$identify')).toHaveLength(1);
  });

  // "identify with no params"
  it('identify() with no id keeps the distinct_id and does not throw', () => {
    const heed = start();
    const id = heed.get_distinct_id();
    expect(() => (heed.identify as (id?: string) => unknown)()).not.toThrow();
    expect(heed.get_distinct_id()).toBe(id);
  });

  // mixpanel.identify: "distinct_id cannot have $device: prefix" returns -1
  it('identify("$device:...") returns -1 and keeps the distinct_id', () => {
    const heed = start();
    const id = heed.get_distinct_id();
    expect(heed.identify('$device:abc')).toBe(-1);
    expect(heed.get_distinct_id()).toBe(id);
  });
});

describe('mixpanel.alias', () => {
  // "alias sends an event"
  it('returns the $create_alias event', () => {
    const heed = start();
    expect((heed.alias('new-id') as { event: string }).event).toBe('$create_alias');
  });

  // "$create_alias contains required properties"
  it('$create_alias carries distinct_id (the old id) and alias', () => {
    const heed = start();
    const old = heed.get_distinct_id();
    const ev = heed.alias('new-id') as { properties: Record<string, unknown> };
    expect({ distinct_id: ev.properties.distinct_id, alias: ev.properties.alias }).toEqual({ distinct_id: old, alias: 'new-id' });
  });

  // "continues to use old ID after alias call"
  it('keeps the old distinct_id and stores __alias', () => {
    const heed = start();
    const old = heed.get_distinct_id();
    heed.alias('new-id');
    expect(heed.get_distinct_id()).toBe(old);
    expect(heed.get_property('__alias')).toBe('new-id');
  });

  // mixpanel.alias(alias, original): $create_alias names the given original
  it('alias(alias, original) sends the original as distinct_id and keeps the current id', () => {
    const heed = start();
    const old = heed.get_distinct_id();
    const ev = heed.alias('a1', 'orig') as { properties: Record<string, unknown> };
    expect([ev.properties.distinct_id, ev.properties.alias]).toEqual(['orig', 'a1']);
    expect(heed.get_distinct_id()).toBe(old);
  });

  // "aliasing same ID returns error code"
  it('aliasing the current distinct_id returns -1', () => {
    const heed = start();
    expect(heed.alias(heed.get_distinct_id()!)).toBe(-1);
  });

  // "alias prevents identify from changing the ID"
  it('identify(alias) keeps the distinct_id but sets $user_id and keeps __alias', () => {
    const heed = start();
    const old = heed.get_distinct_id();
    const device = heed.get_property('$device_id');
    heed.alias('new-id');
    heed.identify('new-id');
    expect(heed.get_distinct_id()).toBe(old);
    expect(heed.get_property('$user_id')).toBe('new-id');
    expect(heed.get_property('$device_id')).toBe(device);
    expect(heed.get_property('__alias')).toBe('new-id');
  });

  // "identify with completely new ID blows away alias"
  it('identify with a third id replaces the distinct_id and forgets __alias', () => {
    const heed = start();
    heed.alias('alias-id');
    heed.identify('other-id');
    expect(heed.get_distinct_id()).toBe('other-id');
    expect(heed.get_property('__alias')).toBeUndefined();
  });

  // "alias not in props"
  it('__alias is not an event property', () => {
    const heed = start();
    heed.alias('new-id');
    expect(heed.track('test')!.properties).not.toHaveProperty('__alias');
  });

  // "alias not allowed when there is previous people distinct id"
  it('returns -2 for the $people_distinct_id and stores no __alias', () => {
    const heed = start();
    heed.register({ $people_distinct_id: 'people-id' });
    expect(heed.alias('people-id')).toBe(-2);
    expect(heed.get_property('__alias')).toBeUndefined();
  });
});

describe('mixpanel.push', () => {
  // "anon function called"
  it('runs a pushed function at once', () => {
    const heed = start();
    let a = 1;
    heed.push(() => void (a = 2));
    expect(a).toBe(2);
  });

  // "instance function called"
  it("runs ['register', props] at once", () => {
    const heed = start();
    heed.push(['register', { value: 0.5 }]);
    expect(heed.get_property('value')).toBe(0.5);
  });
});

describe('mixpanel.people.set', () => {
  // "set (basic functionality)"
  it('returns $set with a single value, an object, and the identified target', () => {
    const heed = start();
    expect(heed.people.set('key1', 'val1')!.$set).toMatchObject({ key1: 'val1' });
    expect(heed.people.set({ key1: 'val1' })!.$set).toMatchObject({ key1: 'val1' });
    expect(heed.people.set({ key2: 'val3', $age: 34 })!.$set).toMatchObject({ key2: 'val3', $age: 34 });
    const device = heed.get_property('$device_id');
    heed.identify('user-1');
    const s = heed.people.set({ key2: 'val3', $age: 34 })!;
    expect(s).toMatchObject({ $distinct_id: 'user-1', $device_id: device, $user_id: 'user-1', $token: TOKEN });
    expect(s.$set).toMatchObject({ key2: 'val3', $age: 34 });
  });

  // "set hits server immediately if identified"
  it('an identified set is sent and calls back 1', async () => {
    const { heed, device } = identified();
    const { cb, results } = recorder();
    const s = heed.people.set({ a: 3 }, cb)!;
    expect(s).toMatchObject({ $distinct_id: 'user-1', $user_id: 'user-1', $device_id: device, $token: TOKEN, $set: { a: 3 } });
    await heed.flush();
    expect(results).toEqual([1]);
    expect(rig.server.accepted('engage')).toEqual([s]);
  });

  // "set queues data": README difference, people updates are sent at once with the current
  // distinct_id (Simplified ID Merge) instead of being held until identify() (callback -1).
  it('before identify, a set is sent at once to the $device: id (documented difference from queueing)', async () => {
    const heed = start();
    const { cb, results } = recorder();
    const s = heed.people.set({ a: 2 }, cb)!;
    expect(s).toMatchObject({ $token: TOKEN, $distinct_id: heed.get_distinct_id(), $set: { a: 2 } });
    await heed.flush();
    expect(results).toEqual([1]);
    expect(rig.server.accepted('engage')).toHaveLength(1);
  });


  // mixpanel-people unit "queues dates in the encoded format and leaves the caller's object alone"
  it('set encodes a Date as YYYY-MM-DDTHH:MM:SS (UTC) and leaves the caller’s object alone', () => {
    const created = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
    const props = { created };
    expect(start().people.set(props)!.$set).toMatchObject({ created: '2020-01-02T03:04:05' });
    expect(props.created).toBe(created);
  });

  // "set_once (basic functionality)"
  it('set_once returns $set_once with a single value, an object, and the identified target', () => {
    const heed = start();
    expect(heed.people.set_once('key1', 'val1')!.$set_once).toMatchObject({ key1: 'val1' });
    expect(heed.people.set_once({ key2: 'val3', $age: 34 })!.$set_once).toMatchObject({ key2: 'val3', $age: 34 });
    heed.identify('user-1');
    const s = heed.people.set_once({ key2: 'val3' })!;
    expect(s).toMatchObject({ $distinct_id: 'user-1', $token: TOKEN, $set_once: { key2: 'val3' } });
  });

  // "set_once (info props not included)"
  it('set_once does not add $os, $browser, $browser_version, $initial_referrer', () => {
    const s = start().people.set_once('key1', 'test')!;
    for (const name of ['$os', '$browser', '$browser_version', '$initial_referrer', '$initial_referring_domain']) {
      expect(s.$set_once).not.toHaveProperty([name]);
    }
  });
});

describe('mixpanel.people.unset', () => {
  // "unset (basic functionality)"
  it('returns $unset as a list, for a name or a list of names', () => {
    const heed = start();
    expect(heed.people.unset('key1')!.$unset).toEqual(['key1']);
    expect(heed.people.unset(['key1'])!.$unset).toEqual(['key1']);
    expect(heed.people.unset(['key1', 'key2'])!.$unset).toEqual(['key1', 'key2']);
    heed.identify('user-1');
    expect(heed.people.unset(['foo', 'bar'])).toMatchObject({ $distinct_id: 'user-1', $token: TOKEN, $unset: ['foo', 'bar'] });
  });


  // "unset hits server immediately if identified"
  it('an identified unset is sent and calls back 1', async () => {
    const { heed } = identified();
    const { cb, results } = recorder();
    heed.people.unset('a', cb);
    await heed.flush();
    expect(results).toEqual([1]);
    expect(rig.server.accepted('engage')).toMatchObject([{ $distinct_id: 'user-1', $token: TOKEN, $unset: ['a'] }]);
  });
});

describe('mixpanel.people.increment', () => {
  // "increment (basic functionality)"
  it('$add: by 1 without a number, an object, and the exact identified payload', () => {
    const heed = start();
    expect(heed.people.increment('$age')!.$add).toEqual({ $age: 1 });
    expect(heed.people.increment({ $age: 3 })!.$add).toEqual({ $age: 3 });
    expect(heed.people.increment({ $age: 87, pageviews: 3 })!.$add).toEqual({ $age: 87, pageviews: 3 });
    const device = heed.get_property('$device_id');
    heed.identify('user-1');
    expect(heed.people.increment({ $age: 87, pageviews: 3 })).toEqual({
      $distinct_id: 'user-1',
      $user_id: 'user-1',
      $device_id: device,
      $token: TOKEN,
      $add: { $age: 87, pageviews: 3 },
    });
  });

  // "increment hits server immediately if identified"
  it('an identified increment is sent as returned and calls back 1', async () => {
    const { heed } = identified();
    const { cb, results } = recorder();
    const s = heed.people.increment({ a: 3 }, cb);
    await heed.flush();
    expect(results).toEqual([1]);
    expect(rig.server.accepted('engage')).toEqual([s]);
  });

  // "increment ignores string values"
  it('increment drops non-numeric values', () => {
    const { heed } = identified();
    expect(heed.people.increment({ a: 1, name: 'joe' } as unknown as Record<string, number>)!.$add).toEqual({ a: 1 });
  });
});

describe('mixpanel.people.append', () => {
  // "append (basic functionality)"
  it('$append: two arguments, an object, an array value, several keys, and the identified payload', () => {
    const heed = start();
    expect(heed.people.append('key', 'val')!.$append).toEqual({ key: 'val' });
    expect(heed.people.append({ key: 'val' })!.$append).toEqual({ key: 'val' });
    expect(heed.people.append({ key: ['val'] })!.$append).toEqual({ key: ['val'] });
    expect(heed.people.append({ key: 'val', key2: 'val2' })!.$append).toEqual({ key: 'val', key2: 'val2' });
    const device = heed.get_property('$device_id');
    heed.identify('user-1');
    expect(heed.people.append({ key: 'val' })).toEqual({
      $distinct_id: 'user-1',
      $device_id: device,
      $user_id: 'user-1',
      $token: TOKEN,
      $append: { key: 'val' },
    });
  });
});

describe('mixpanel.people.union', () => {
  // "union (basic functionality)"
  it('$union wraps single values in a list, for both argument forms', () => {
    const heed = start();
    expect(heed.people.union('key', ['val'])!.$union).toEqual({ key: ['val'] });
    expect(heed.people.union('key', 'val')!.$union).toEqual({ key: ['val'] });
    expect(heed.people.union({ key: ['val1'] })!.$union).toEqual({ key: ['val1'] });
    expect(heed.people.union({ key1: ['val1', 'val2'], key2: ['val2'] })!.$union).toEqual({ key1: ['val1', 'val2'], key2: ['val2'] });
    expect(heed.people.union({ key: 'val1' })!.$union).toEqual({ key: ['val1'] });
    expect(heed.people.union({ key1: ['val1', 'val2'], key2: 'val2' })!.$union).toEqual({ key1: ['val1', 'val2'], key2: ['val2'] });
    const device = heed.get_property('$device_id');
    heed.identify('user-1');
    expect(heed.people.union({ key1: ['v'] })).toEqual({
      $distinct_id: 'user-1',
      $device_id: device,
      $user_id: 'user-1',
      $token: TOKEN,
      $union: { key1: ['v'] },
    });
  });

  // "union calls provided callback"
  it('calls the callback in the 2-argument and the 3-argument form', async () => {
    const heed = start();
    const { cb, results } = recorder();
    heed.people.union({ key: 'val' }, cb);
    heed.people.union('key', 'val', cb);
    await heed.flush();
    expect(results).toEqual([1, 1]);
  });
});

describe('mixpanel.people.remove and clear_charges', () => {
  // people.remove (mixpanel-people unit suite: $remove action)
  it('$remove with two arguments or an object', () => {
    const heed = start();
    expect(heed.people.remove('tags', 'a')!.$remove).toEqual({ tags: 'a' });
    expect(heed.people.remove({ tags: 'b' })!.$remove).toEqual({ tags: 'b' });
  });

  // "clear_charges"
  it('clear_charges sets $transactions to an empty list', () => {
    expect(start().people.clear_charges()!.$set).toMatchObject({ $transactions: [] });
  });
});

describe('mixpanel.people.delete_user', () => {
  // "delete_user" first half: mixpanel-browser returns undefined before identify. README
  // difference: people updates go at once to the current ($device:) distinct_id.
  it('before identify targets the anonymous $device: profile', () => {
    const heed = start();
    expect(heed.people.delete_user()).toMatchObject({ $token: TOKEN, $distinct_id: heed.get_distinct_id() });
  });



  // "delete_user": the identified payload carries the target ids and the token
  it('after identify returns and sends $delete for the identified target', async () => {
    const { heed, device } = identified();
    const d = heed.people.delete_user()!;
    expect(d).toMatchObject({ $token: TOKEN, $distinct_id: 'user-1', $device_id: device, $user_id: 'user-1' });
    expect(d).toHaveProperty('$delete');
    await heed.flush();
    expect(rig.server.accepted('engage')).toEqual([d]);
  });
});

describe('groups', () => {
  // mixpanel.set_group "array of groups"
  it('set_group with a list returns $set of that list', () => {
    expect(start().set_group('company', ['mixpanel', 'google'])!.$set).toEqual({ ...peopleInfo(), company: ['mixpanel', 'google'] });
  });

  // mixpanel.set_group "single group" (2.82 wraps the id in a list)
  it('set_group with one id returns $set of a one-item list and registers it', () => {
    const heed = start();
    expect(heed.set_group('company', 'mixpanel')!.$set).toEqual({ ...peopleInfo(), company: ['mixpanel'] });
    expect(heed.get_property('company')).toEqual(['mixpanel']);
  });

  // mixpanel.add_group "add_group (basic functionality)" (2.82: a people.union)
  it('add_group returns $union of the id', () => {
    expect(start().add_group('company', 'mixpanel')!.$union).toEqual({ company: ['mixpanel'] });
  });

  // mixpanel.remove_group "remove_group (basic functionality)"
  it('remove_group returns $remove of the id', () => {
    expect(start().remove_group('company', 'mixpanel')!.$remove).toEqual({ company: 'mixpanel' });
  });

  // mixpanel.track_with_groups "track_with_groups (basic functionality)"
  it('track_with_groups returns the union of the properties and the groups', () => {
    const t = start().track_with_groups('purchase', { product_name: 'macbook' }, { company: 'mixpanel' })!;
    expect(t.properties).toMatchObject({ product_name: 'macbook', company: 'mixpanel' });
  });

  // mixpanel.track_with_groups "overwrite"
  it('a group key overrides the property of the same name', () => {
    expect(start().track_with_groups('event', { key: 'value1' }, { key: 'value2' })!.properties.key).toBe('value2');
  });

  // mixpanel.group: the other operations' payloads (2.82's shapes)
  it('get_group(key, id) set_once, union, unset, remove and delete return Mixpanel’s group payloads', () => {
    const g = start().get_group('company', 'acme');
    const target = { $token: TOKEN, $group_key: 'company', $group_id: 'acme' };
    expect([g.set_once('a', 1), g.union('u', 'x'), g.unset('z'), g.remove('u', 'x'), g.delete()]).toEqual([
      { ...target, $set_once: { a: 1 } },
      { ...target, $union: { u: ['x'] } },
      { ...target, $unset: ['z'] },
      { ...target, $remove: { u: 'x' } },
      { ...target, $delete: '' },
    ]);
  });

  // mixpanel.group.set "kv style api" (2.82 names the id $group_id)
  it('get_group(key, id).set(k, v) returns $group_key, $group_id, $token and $set', () => {
    const gs = start().get_group('company', 'mixpanel').set('key', 'value')!;
    expect(gs).toEqual({ $token: TOKEN, $group_key: 'company', $group_id: 'mixpanel', $set: { key: 'value' } });
  });
});

describe('verbose output', () => {
  // "track endpoint returns json when verbose=1"
  it('track calls back {status: 1, error: null}', async () => {
    const heed = start();
    heed.set_config({ verbose: true });
    const { cb, results } = recorder();
    heed.track('test', {}, cb);
    await heed.flush();
    expect(results).toEqual([{ status: 1, error: null }]);
  });

  // "engage endpoint returns json when verbose=1"
  it('an identified people.set calls back {status: 1, error: null}', async () => {
    const { heed } = identified('bilbo');
    heed.set_config({ verbose: true });
    const { cb, results } = recorder();
    heed.people.set('test', 123, cb);
    await heed.flush();
    expect(results).toEqual([{ status: 1, error: null }]);
  });
});

describe('xhr tests', () => {
  // "xhr headers should work"
  it('xhr_headers are sent with the request', async () => {
    const heed = start();
    heed.set_config({ xhr_headers: { 'x-api-token': 'test-token', 'x-api-key': 'test-key' } });
    const { cb, results } = recorder();
    heed.track('test', {}, cb);
    await heed.flush();
    expect(results).toEqual([1]);
    const [req] = rig.server.requests.filter((r) => r.endpoint === 'track');
    expect(req.headers).toMatchObject({ 'x-api-token': 'test-token', 'x-api-key': 'test-key' });
  });
});

describe('mixpanel.reset', () => {
  // "reset generates new distinct_id"
  it('gives a new distinct_id, "$device:" + the new $device_id', () => {
    const { heed, device } = identified('1234');
    heed.reset();
    expect(heed.get_distinct_id()).not.toBe('1234');
    expect(heed.get_property('$device_id')).not.toBe(device);
    expect(heed.get_distinct_id()).toBe(`$device:${heed.get_property('$device_id')}`);
    expect(heed.get_property('$user_id')).toBeUndefined();
  });

  // "reset clears super properties"
  it('clears super properties', () => {
    const heed = start();
    heed.register({ foo: 1 });
    heed.reset();
    expect(heed.get_property('foo')).toBeUndefined();
    expect(heed.track('test')!.properties).not.toHaveProperty('foo');
  });
});

describe('GDPR', () => {
  /** mixpanel-js gdprTestMethod: `method` after the setup calls back 1 when tracking is allowed, 0 when not. */
  async function outcome(heed: Heed, call: (heed: Heed, cb: (r: Result) => void) => void): Promise<Result[]> {
    const { cb, results } = recorder();
    call(heed, cb);
    await heed.flush();
    return results;
  }
  const methods: Array<[string, (heed: Heed, cb: (r: Result) => void) => void]> = [
    ['track', (h, cb) => void h.track('event_name', { prop: 'value' }, cb)],
    ['set', (h, cb) => void h.people.set('prop_name', 'prop_value', cb)],
    ['set_once', (h, cb) => void h.people.set_once('prop_name', 'prop_value', cb)],
    ['increment', (h, cb) => void h.people.increment('prop_name', 1, cb)],
    ['append', (h, cb) => void h.people.append('prop_name', 'prop_value', cb)],
    ['union', (h, cb) => void h.people.union('prop_name', 'prop_value', cb)],
  ];

  // "<method> tracking is enabled by opt-in" / "is disabled by opt-out"
  it.each(methods)('%s: enabled by opt-in, disabled by opt-out (callback 1 / 0)', async (_name, call) => {
    const { heed } = identified();
    heed.opt_in_tracking();
    expect(await outcome(heed, call)).toEqual([1]);
    heed.opt_out_tracking();
    expect(await outcome(heed, call)).toEqual([0]);
  });

  // "tracking is disabled by opt-out" with assert_user_cleared: heed sends the one $delete
  // (README: "that is the only request an opt-out makes"; mixpanel-browser also clears charges)
  it('opt-out of an identified user sends one $delete, and nothing tracked after it', async () => {
    const { heed } = identified();
    await heed.flush();
    rig.server.requests.length = 0;
    heed.opt_out_tracking();
    heed.track('after');
    await heed.flush();
    await rig.server.quiet();
    const engage = rig.server.requests.filter((r) => r.endpoint === 'engage').flatMap((r) => r.items);
    expect(engage).toHaveLength(1);
    expect(engage[0]).toHaveProperty('$delete');
    expect(engage[0].$distinct_id).toBe('user-1');
    expect(rig.server.requests.filter((r) => r.endpoint === 'track')).toEqual([]);
  });

  // "tracking is disabled by opt-out and clearing user data is disabled properly"
  it('opt_out_tracking({delete_user: false}) sends no /engage request', async () => {
    const { heed } = identified();
    await heed.flush();
    rig.server.requests.length = 0;
    heed.opt_out_tracking({ delete_user: false });
    await rig.server.quiet();
    expect(rig.server.requests.filter((r) => r.endpoint === 'engage')).toEqual([]);
  });

  // "tracking is disabled by opt-in followed by opt-out" / "enabled by opt-out followed by opt-in"
  it('the last decision wins: opt-in then opt-out is off, opt-out then opt-in is on', async () => {
    const track = (h: Heed, cb: (r: Result) => void) => void h.track('e', {}, cb);
    const heed = start();
    heed.opt_in_tracking();
    heed.opt_out_tracking();
    expect(await outcome(heed, track)).toEqual([0]);
    heed.opt_in_tracking();
    expect(await outcome(heed, track)).toEqual([1]);
  });

  // "tracking is disabled by opt-out as default" / "enabled by opt-out as default followed by opt-in"
  it('opt_out_tracking_by_default: off until opt_in_tracking()', async () => {
    const track = (h: Heed, cb: (r: Result) => void) => void h.track('e', {}, cb);
    const heed = start({ opt_out_tracking_by_default: true });
    expect(await outcome(heed, track)).toEqual([0]);
    heed.opt_in_tracking();
    expect(await outcome(heed, track)).toEqual([1]);
  });

  // "tracking is disabled by opt-out as default": has_opted_out_tracking() is true, though heed
  // stores no '0' flag before a decision (README difference; mixpanel-browser writes it)
  it('opt_out_tracking_by_default: has_opted_out_tracking() is true and no flag is stored', () => {
    const heed = start({ opt_out_tracking_by_default: true });
    expect([heed.has_opted_out_tracking(), heed.has_opted_in_tracking()]).toEqual([true, false]);
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  // mixpanel-js gdpr: opt_in_tracking({track}) calls the given function with the $opt_in event
  it('opt_in_tracking({track: fn}) calls fn with "$opt_in"', () => {
    const heed = start({ opt_out_tracking_by_default: true });
    const seen: string[] = [];
    heed.opt_in_tracking({ track: (event) => void seen.push(event) });
    expect(seen).toEqual(['$opt_in']);
  });

  // gdpr-utils optIn "should track an event recording the opt-in action" (custom name and properties)
  it('opt_in_tracking({track, track_event_name, track_properties}) calls track once with them', () => {
    const heed = start({ opt_out_tracking_by_default: true });
    const calls: unknown[][] = [];
    heed.opt_in_tracking({ track: (...args) => void calls.push(args), track_event_name: 'єνєηт', track_properties: { '𝖕𝖗𝖔𝖕': '𝓿𝓪𝓵' } });
    expect(calls).toEqual([['єνєηт', { '𝖕𝖗𝖔𝖕': '𝓿𝓪𝓵' }]]);
  });

  // gdpr-utils "shouldn't set cookies for any other tokens", with gdpr-utils' odd tokens
  it('a decision is per token: another token’s flag and status are untouched', () => {
    const odd = 'Ƭ Ө K Σ П';
    const heed = start({}, odd);
    const other = start({}, 'y^0M0RJnZq#9WE!Si*1tPZmtdcODB$%c');
    heed.opt_out_tracking();
    expect(localStorage.getItem(`__mp_opt_in_out_${odd}`)).toBe('0');
    expect(localStorage.getItem('__mp_opt_in_out_y^0M0RJnZq#9WE!Si*1tPZmtdcODB$%c')).toBeNull();
    expect([heed.has_opted_out_tracking(), other.has_opted_out_tracking()]).toEqual([true, false]);
  });

  // gdpr-utils hasOptedOut "should return 'true' if the user has navigator.doNotTrack flag set"
  // and "... but ignoreDnt is true". README difference: an explicit opt-in wins over DNT.
  it('Do Not Track counts as opted out unless ignore_dnt; an explicit opt-in wins (documented)', () => {
    signal('navigator', 'doNotTrack', '1');
    expect(start().has_opted_out_tracking()).toBe(true);
    expect(start({ ignore_dnt: true }, 'dntTok').has_opted_out_tracking()).toBe(false);
    const heed = start({}, 'optinTok');
    heed.opt_in_tracking();
    expect(heed.has_opted_out_tracking()).toBe(false);
  });

  // "tracking is disabled by mp_optout cookie" / "enabled by mp_optout followed by opt-in"
  it('the legacy mp_optout cookie opts out until opt_in_tracking()', async () => {
    document.cookie = 'mp_optout=1; path=/';
    const track = (h: Heed, cb: (r: Result) => void) => void h.track('e', {}, cb);
    const heed = start();
    expect(heed.has_opted_out_tracking()).toBe(true);
    expect(await outcome(heed, track)).toEqual([0]);
    heed.opt_in_tracking();
    expect(await outcome(heed, track)).toEqual([1]);
  });

  // "tracking is enabled by opt-in with custom cookie prefix in lib configuration"
  it('opt_out_tracking_cookie_prefix names the flag <prefix><token>', async () => {
    const prefix = 'mmmcookies';
    const heed = start({ opt_out_tracking_cookie_prefix: prefix });
    heed.opt_in_tracking();
    expect(localStorage.getItem(`${prefix}${TOKEN}`)).toBe('1');
    const track = (h: Heed, cb: (r: Result) => void) => void h.track('e', {}, cb);
    expect(await outcome(heed, track)).toEqual([1]);
  });

  // "opt in/out cookie cross-subdomain": the flag cookie is __mp_opt_in_out_<token>
  it('opt_out_tracking_persistence_type: "cookie" stores the decision in the __mp_opt_in_out_<token> cookie', () => {
    const heed = start({ opt_out_tracking_persistence_type: 'cookie' });
    heed.opt_out_tracking();
    expect(cookies()[FLAG]).toBe('0');
    heed.opt_in_tracking();
    expect(cookies()[FLAG]).toBe('1');
    heed.clear_opt_in_out_tracking();
    expect(cookies()).not.toHaveProperty([FLAG]);
  });

  // gdpr-utils "optOut / optIn / hasOptedIn / hasOptedOut / clearOptInOut" (localStorage type)
  it('stores "0" / "1" under __mp_opt_in_out_<token> and reports it through has_opted_*_tracking', () => {
    const heed = start();
    expect([heed.has_opted_in_tracking(), heed.has_opted_out_tracking()]).toEqual([false, false]);
    heed.opt_out_tracking();
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect([heed.has_opted_in_tracking(), heed.has_opted_out_tracking()]).toEqual([false, true]);
    heed.opt_in_tracking();
    expect(localStorage.getItem(FLAG)).toBe('1');
    expect([heed.has_opted_in_tracking(), heed.has_opted_out_tracking()]).toEqual([true, false]);
    heed.clear_opt_in_out_tracking();
    expect(localEntries()).not.toHaveProperty([FLAG]);
    expect([heed.has_opted_in_tracking(), heed.has_opted_out_tracking()]).toEqual([false, false]);
  });

  // "tracking is enabled / disabled by opt-out cookie *upgraded* to localStorage"
  it.each([
    ['opt-in', (h: Heed) => h.opt_in_tracking(), false],
    ['opt-out', (h: Heed) => h.opt_out_tracking(), true],
  ] as const)('a %s stored as a cookie is read by a localStorage-flag instance', (_name, decide, out) => {
    decide(start({ opt_out_tracking_persistence_type: 'cookie' }));
    const heed = start({ opt_out_tracking_persistence_type: 'localStorage' });
    expect(heed.has_opted_out_tracking()).toBe(out);
    expect(heed.has_opted_in_tracking()).toBe(!out);
  });

  // "opt out of localstorage": the profile goes with an opt-out and comes back with an opt-in
  it('opt_out_tracking removes mp_<token>_mixpanel; opt_in_tracking writes it again', () => {
    const heed = start({ persistence: 'localStorage' });
    heed.register({ a: 1 }); // heed writes the profile once there is something in it
    expect(localStorage.getItem(PROFILE)).not.toBeNull();
    heed.opt_out_tracking();
    expect(localStorage.getItem(PROFILE)).toBeNull();
    heed.opt_in_tracking();
    expect(localStorage.getItem(PROFILE)).not.toBeNull();
  });

  // "opt out of localstorage" with opt_out_tracking_by_default. README difference: heed writes
  // neither the '0' flag nor the profile before consent (mixpanel-browser writes both).
  it('opt_out_tracking_by_default: nothing is stored until opt-in', () => {
    const heed = start({ persistence: 'localStorage', opt_out_tracking_by_default: true });
    expect(localEntries()).toEqual({});
    heed.opt_in_tracking();
    expect(localStorage.getItem(PROFILE)).not.toBeNull();
    expect(localStorage.getItem(FLAG)).toBe('1');
    heed.opt_out_tracking();
    expect(localStorage.getItem(PROFILE)).toBeNull();
  });
});

describe('createHeed instances', () => {
  // mpmodule setup: mixpanel.init(token, config, name) gives a separate named instance
  it('a named instance has its own identity and super properties', () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, batch_flush_interval_ms: 60_000 });
    const test = heed.init('testTok', { api_host: rig.server.url, batch_flush_interval_ms: 60_000 }, 'test');
    test.register({ only: 'test' });
    expect(heed.get_property('only')).toBeUndefined();
    expect(test.get_distinct_id()).not.toBe(heed.get_distinct_id());
  });
});
