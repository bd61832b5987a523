import { createIdentity, PROFILE_KEY } from '../../src/identity';
import { memoryStore } from '../../src/storage/memory';

/** An identity over a memory store, with the gate as a switch the test flips. */
function setup(stored?: object) {
  const map = new Map<string, string>();
  const store = memoryStore('mp_tok_', map);
  if (stored) store.set(PROFILE_KEY, JSON.stringify(stored));
  const gate = { open: true };
  const identity = createIdentity(store, () => gate.open);
  const saved = () => (map.has('mp_tok_mixpanel') ? JSON.parse(map.get('mp_tok_mixpanel')!) : undefined);
  return { identity, gate, saved, map };
}

describe('the profile is written only while tracking is allowed', () => {
  it('changes stay in memory while the gate is closed and are written once it opens', () => {
    const { identity, gate, saved } = setup();
    gate.open = false;
    identity.load();
    identity.identify('u1');
    identity.register({ plan: 'pro' });
    identity.time('checkout');
    expect(saved()).toBeUndefined();
    expect(identity.profile).toMatchObject({ distinct_id: 'u1', plan: 'pro' });
    gate.open = true;
    identity.save();
    expect(saved()).toMatchObject({ distinct_id: 'u1', $user_id: 'u1', plan: 'pro', __timers: { checkout: expect.any(Number) } });
  });

  it('page-only super properties (persistent: false) are never written', () => {
    const { identity, saved } = setup();
    identity.register({ tab: 1 }, { persistent: false });
    identity.register({ kept: 1 });
    expect(saved()).toMatchObject({ kept: 1 });
    expect(saved()).not.toHaveProperty('tab');
    expect(identity.get('tab')).toBe(1);
  });
});

describe('load, reset and forget', () => {
  it('load takes a stored profile and reports it; a corrupt one reads as none', () => {
    expect(setup({ distinct_id: 'u9', $device_id: 'd9' }).identity.load()).toBe(true);
    const { identity, map } = setup();
    map.set('mp_tok_mixpanel', '{not json');
    expect(identity.load()).toBe(false);
    expect(identity.profile.distinct_id).toMatch(/^\$device:/);
  });

  it('reset starts a new anonymous device and stores it; forget removes what is stored', () => {
    const { identity, saved } = setup({ distinct_id: 'u9', $device_id: 'd9', plan: 'pro' });
    identity.load();
    identity.reset();
    expect(saved()).toEqual({ distinct_id: '$device:' + identity.profile.$device_id, $device_id: identity.profile.$device_id });
    identity.forget();
    expect(saved()).toBeUndefined();
    expect(identity.get('plan')).toBeUndefined();
  });
});

describe('identify and super properties', () => {
  it('identify returns the id it replaced, once', () => {
    const { identity } = setup();
    const anon = identity.profile.distinct_id;
    expect(identity.identify('u1')).toBe(anon);
    expect(identity.identify('u1')).toBeUndefined();
    expect(identity.target()).toEqual({ $distinct_id: 'u1', $device_id: identity.profile.$device_id, $user_id: 'u1' });
  });

  it("register_once keeps a value unless it is the placeholder ('None' by default)", () => {
    const { identity } = setup();
    identity.register({ a: 'x', b: 'None' });
    identity.register({ a: 'y', b: 'z', c: 1 }, undefined, { dflt: 'None' });
    expect([identity.get('a'), identity.get('b'), identity.get('c')]).toEqual(['x', 'z', 1]);
  });

  it('every change moves the version, so cached event bases are rebuilt', () => {
    const { identity } = setup();
    const versions = [identity.version];
    for (const change of [() => identity.register({ a: 1 }), () => identity.unregister('a'), () => identity.identify('u'), () => identity.reset()]) {
      change();
      versions.push(identity.version);
    }
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe('event timers', () => {
  it('duration is the seconds since time(), once; an untimed event has none', async () => {
    const { identity } = setup();
    identity.time('load');
    await new Promise((r) => setTimeout(r, 30));
    const seconds = identity.duration('load')!;
    expect(seconds).toBeGreaterThanOrEqual(0.02);
    expect(seconds).toBeLessThan(5);
    expect(identity.duration('load')).toBeUndefined();
    expect(identity.duration('never')).toBeUndefined();
  });
});
