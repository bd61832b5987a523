import { baseProperties, buildEvent, buildUpdate } from '../src/event';
import { LIB_VERSION } from '../src/config';

const profile = { distinct_id: 'u1', $device_id: 'dev', $user_id: 'u1', plan: 'pro', __timers: { x: 1 } };
const base = () => baseProperties('tok', [{ $os: 'Linux', $browser: 'Chrome' }, { $current_url: 'https://a.test/p' }], profile, { tab: 'b' });
const at = { time: 1_700_000_000_000, insertId: 'ins-1', blacklist: [] as string[], baseSize: 0 };

describe('baseProperties: what every event shares', () => {
  it("follows mixpanel-browser's order: device, page, persistent then page-only super properties, then token and library", () => {
    expect(Object.keys(base())).toEqual(['$os', '$browser', '$current_url', 'distinct_id', '$device_id', '$user_id', 'plan', 'tab', 'token', 'mp_lib', '$lib_version']);
    expect(base()).toMatchObject({ token: 'tok', mp_lib: 'heed', $lib_version: LIB_VERSION, distinct_id: 'u1', tab: 'b' });
  });

  it('never carries reserved __ keys, but keeps single-underscore ones', () => {
    const b = baseProperties('tok', [], { distinct_id: 'u', $device_id: 'd', __timers: {}, __alias: 'x', _ok: 1 }, {});
    expect(Object.keys(b).filter((k) => k.startsWith('_'))).toEqual(['_ok']);
  });

  it('page-only super properties win over persistent ones of the same name', () => {
    expect(baseProperties('tok', [], { distinct_id: 'u', $device_id: 'd', plan: 'pro' }, { plan: 'trial' }).plan).toBe('trial');
  });
});

describe('buildEvent: one Mixpanel payload, pure', () => {
  it('adds time, $insert_id and the caller properties to the shared base, without changing it', () => {
    const shared = base();
    const before = { ...shared };
    const e = buildEvent(shared, 'Signed up', { step: 2 }, at);
    expect(e).toEqual({ event: 'Signed up', properties: { ...before, step: 2, time: at.time, $insert_id: 'ins-1' } });
    expect(shared).toEqual(before);
  });

  it('lets the caller set distinct_id, time and $insert_id, but never token, $device_id or the library fields', () => {
    const forged = { distinct_id: 'other', time: 1_690_000_000, $insert_id: 'mine', token: 'evil', $device_id: 'x', mp_lib: 'x', $lib_version: 'x' };
    const { properties: p } = buildEvent(base(), 'e', forged, at);
    expect(p).toMatchObject({ distinct_id: 'other', time: 1_690_000_000, $insert_id: 'mine', token: 'tok', $device_id: 'dev', mp_lib: 'heed', $lib_version: LIB_VERSION });
  });

  it('keeps heed’s own distinct_id, time and $insert_id where the caller’s would be refused by Mixpanel, and says so', () => {
    const warnings: string[] = [];
    const bad = { distinct_id: 'undefined', $user_id: { id: 1 }, time: 'yesterday', $insert_id: 'not valid!' };
    const { properties: p } = buildEvent(base(), 'e', bad, { ...at, warn: (m) => void warnings.push(m) });
    expect(p).toMatchObject({ distinct_id: 'u1', $user_id: 'u1', time: at.time, $insert_id: 'ins-1' });
    expect(warnings).toHaveLength(4);
    for (const time of [0, -1, 30e9, at.time + 2 * 36e5, NaN]) expect(buildEvent(base(), 'e', { time }, at).properties.time).toBe(at.time);
    for (const time of [1_690_000_000, at.time + 10 * 6e4]) expect(buildEvent(base(), 'e', { time }, at).properties.time).toBe(time);
    expect(buildEvent(base(), 'e', { $insert_id: 'a'.repeat(37) }, at).properties.$insert_id).toBe('ins-1');
  });

  it('stays under 255 properties in all, whatever the caller passes', () => {
    const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => ['k' + i, i]));
    const { properties: p } = buildEvent(base(), 'e', many, { ...at, baseSize: Object.keys(base()).length, duration: 1 });
    expect(Object.keys(p).length).toBeLessThan(255);
    expect(p).toMatchObject({ k0: 0, token: 'tok', $insert_id: 'ins-1', $duration: 1 });
  });

  it('adds $duration when the event was timed', () => {
    expect(buildEvent(base(), 'e', {}, { ...at, duration: 1.5 }).properties.$duration).toBe(1.5);
    expect(buildEvent(base(), 'e', {}, at).properties).not.toHaveProperty('$duration');
  });

  it('removes property_blacklist names last, automatic ones included', () => {
    const { properties: p } = buildEvent(base(), 'e', { secret: 1, kept: 2 }, { ...at, blacklist: ['secret', '$current_url', 'plan'] });
    expect(p).not.toHaveProperty('secret');
    expect(p).not.toHaveProperty('$current_url');
    expect(p).not.toHaveProperty('plan');
    expect(p.kept).toBe(2);
  });

  it('sanitises the caller properties and cuts the event name to 255 characters', () => {
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const e = buildEvent(base(), 'n'.repeat(300), { cyclic, fn: () => 1, big: BigInt(7), nan: NaN }, at);
    expect(e.event).toHaveLength(255);
    expect(e.properties).toMatchObject({ cyclic: { n: 1 }, big: '7', nan: null });
    expect(e.properties).not.toHaveProperty('fn');
  });

  it('ignores caller properties that are not an object', () => {
    for (const props of [undefined, null, 'text', 42, true]) expect(buildEvent(base(), 'e', props, at).properties).toEqual(buildEvent(base(), 'e', {}, at).properties);
  });
});

describe('buildUpdate: one /engage or /groups item', () => {
  it('is the project token, the target, then one operation', () => {
    expect(buildUpdate('tok', { $distinct_id: 'u1', $device_id: 'd' }, '$set', { a: 1 })).toEqual({ $token: 'tok', $distinct_id: 'u1', $device_id: 'd', $set: { a: 1 } });
    expect(Object.keys(buildUpdate('tok', { $group_key: 'co', $group_id: 7 }, '$delete', ''))).toEqual(['$token', '$group_key', '$group_id', '$delete']);
  });
});
