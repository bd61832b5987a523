/** @jest-environment jsdom */
import type { Heed } from '../../src/entry/browser';
import { useTracker } from '../helpers/tracker';

const rig = useTracker('hostileCallsTok');

/** Values a page may hand to any method: none of them may make a call throw. */
const trap = () => {
  throw new Error('trap');
};
const nullProto = Object.create(null);
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const hostile: unknown[] = [
  nullProto,
  new Proxy({}, { ownKeys: trap, get: trap, has: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap }),
  revoked.proxy,
  Object.defineProperty({}, 'x', { enumerable: true, get: trap }),
  { toString: trap, valueOf: trap },
  Symbol('s'),
  BigInt(1),
];

describe('app-facing calls never throw', () => {
  it('every method, with hostile keys and values in every position', async () => {
    const heed = rig.start();
    const methods = Object.keys(heed).filter((k) => typeof (heed as unknown as Record<string, unknown>)[k] === 'function' && k !== 'init');
    for (const name of methods) {
      for (const value of hostile) {
        const call = (heed as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
        expect(() => call(value)).not.toThrow();
        expect(() => call('key', value, value)).not.toThrow();
        expect(() => call(value, { a: value }, value)).not.toThrow();
      }
    }
    for (const value of hostile) {
      for (const [name, op] of Object.entries(heed.people)) expect(() => (op as (...a: unknown[]) => unknown)(value, value)).not.toThrow(), void name;
      expect(() => heed.get_group(value as string, value as string).set(value as string)).not.toThrow();
    }
    await expect(heed.flush()).resolves.toBeUndefined();
  });

  it('get_property, get_config, unregister, the group calls and init(token, {}, name) with a key that cannot be a string', () => {
    const heed = rig.start();
    const key = nullProto as unknown as string;
    expect(() => heed.get_property(key)).not.toThrow();
    expect(heed.get_config(key as never)).toBeUndefined();
    expect(() => heed.unregister(key)).not.toThrow();
    expect(() => heed.set_group(key, 'a')).not.toThrow();
    expect(() => heed.add_group(key, 'a')).not.toThrow();
    expect(() => heed.remove_group(key, 'a')).not.toThrow();
    expect(heed.init('tok2', {}, key)).toBe(heed);
  });

  it('set_config({ get api_host() { throw } }) loses that option only; the others are taken', () => {
    const heed = rig.start();
    expect(() => heed.set_config({ get api_host(): string { throw new Error('getter'); }, batch_size: 7 })).not.toThrow();
    expect(heed.get_config('batch_size')).toBe(7);
    expect(heed.get_config('api_host')).toBe(rig.server.url);
  });

  it('a Proxy whose traps throw, as event properties, sends the event with what could be read', async () => {
    const heed: Heed = rig.start();
    heed.track('hostile', hostile[1] as never);
    heed.track('revoked', revoked.proxy as never);
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['hostile', 'revoked']);
  });
});

describe('what Mixpanel would refuse never leaves', () => {
  const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => ['k' + i, i]));
  const count = (o: object) => Object.keys(o).length;

  it('an error_reporter that throws does not make the call throw', () => {
    const heed = rig.start({ error_reporter: trap });
    expect(() => heed.track('x', hostile[1] as never)).not.toThrow();
    expect(() => heed.set_group('', 'a')).not.toThrow();
  });

  it('a token of more than 255 characters, or not text, keeps heed off (said on the console)', () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const token of ['a'.repeat(256), 'a\ud83d']) {
        const heed = rig.start({}, token);
        expect(heed.get_config('token')).not.toBe(token);
      }
      expect(error).toHaveBeenCalledTimes(2);
    } finally {
      error.mockRestore();
    }
  });

  it('property names: a lone surrogate becomes U+FFFD, over 255 characters is left out, also nested and in people calls', async () => {
    const heed = rig.start();
    heed.track('names', { ['a'.repeat(254) + '\ud83d']: 1, ['b'.repeat(256)]: 2, nested: { 'x\udc00': 3 } });
    heed.people.increment('k'.repeat(256), 1);
    heed.people.unset(['a'.repeat(255) + '😀', 'fine']);
    await heed.flush();
    const [p] = rig.server.accepted('track').map((e) => e.properties);
    expect(p!['a'.repeat(254) + '\ufffd']).toBe(1);
    expect(Object.keys(p!).some((k) => k.startsWith('bbb'))).toBe(false);
    expect(p!.nested).toEqual({ 'x\ufffd': 3 });
    expect(rig.server.accepted('engage').map((u) => u.$unset ?? u.$add)).toEqual([['fine']]);
  });

  it('300 super properties and 300 event properties: at most 254 in the event, the ids, token and time kept', async () => {
    const heed = rig.start({ debug: true });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    heed.register(props(300));
    heed.track('wide', props(300));
    const said = warn.mock.calls.join('\n');
    warn.mockRestore();
    await heed.flush();
    const [p] = rig.server.accepted('track').map((e) => e.properties);
    expect(count(p!)).toBeLessThanOrEqual(254);
    expect(p).toMatchObject({ token: 'hostileCallsTok', distinct_id: heed.get_distinct_id(), $insert_id: expect.any(String), time: expect.any(Number) });
    expect(said).toMatch(/the last registered are not sent/);
  });

  it("heed's ids are no super properties nor group keys: unregister, register and set_group refuse them", async () => {
    const heed = rig.start();
    const id = heed.get_distinct_id();
    heed.unregister('distinct_id');
    heed.register({ distinct_id: ['x'], $device_id: {} });
    expect(heed.add_group('distinct_id', 'x')).toBeUndefined();
    heed.set_group('company', ['acme', NaN, { no: 1 }]);
    const results: unknown[] = [];
    heed.add_group('company', NaN, (r) => results.push(r));
    heed.track('after');
    await heed.flush();
    expect(heed.get_distinct_id()).toBe(id);
    expect(rig.server.accepted('track').map((e) => [e.properties.distinct_id, e.properties.company])).toEqual([[id, ['acme']]]);
    expect(results).toEqual([0]);
  });

  it('a before_send_people hook that returns junk: the update keeps its token and person, or is not sent', async () => {
    const heed = rig.start();
    const junk = () => hostile[1] as never;
    heed.add_hook('before_send_people', junk);
    heed.people.set('a', 1);
    heed.remove_hook('before_send_people', junk);
    heed.add_hook('before_send_people', (u) => ({ ...u, $token: 'other', $set: { b: 2 } }));
    heed.people.set('a', 1);
    await heed.flush();
    expect(rig.server.accepted('engage')).toEqual([expect.objectContaining({ $token: 'hostileCallsTok', $distinct_id: heed.get_distinct_id(), $set: { b: 2 } })]);
  });

  it('property_blacklist cannot take away what Mixpanel needs (token, distinct_id, time, $insert_id)', async () => {
    const heed = rig.start({ property_blacklist: ['token', 'distinct_id', 'time', '$insert_id', 'plan'] });
    heed.track('listed', { plan: 'pro' });
    heed.set_config({ property_blacklist: 0 as never });
    heed.track('not a list', { plan: 'pro' });
    await heed.flush();
    const sent = rig.server.accepted('track').map((e) => e.properties);
    expect(sent.map((p) => [p.token, p.plan])).toEqual([['hostileCallsTok', undefined], ['hostileCallsTok', 'pro']]);
    expect(sent[0]).toMatchObject({ distinct_id: expect.any(String), time: expect.any(Number), $insert_id: expect.any(String) });
  });
});

describe('timer options a timer cannot take', () => {
  it.each([NaN, Infinity, 1e21, -1])('batch_flush_interval_ms: %p sends no batch at once (a timer would fire in 1 ms) and flush() still sends', async (interval) => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const heed = rig.start({ batch_flush_interval_ms: interval, batch_request_timeout_ms: interval, debug: true });
      heed.track('waits');
      await new Promise((r) => setTimeout(r, 100));
      expect(rig.server.requests).toHaveLength(0);
      await heed.flush();
      expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['waits']);
      if (!(interval >= 0)) expect(warn.mock.calls.join('\n')).toMatch(/batch_flush_interval_ms: .* is not usable; 5000 is used/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('found by the 10,000-call run', () => {
  it('a refused init(undefined) leaves the next init with a token to take', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const heed = rig.start({}, undefined as never);
    heed.init('hostileCallsTok', { api_host: rig.server.url });
    error.mockRestore();
    heed.track('after');
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.properties.token)).toEqual(['hostileCallsTok']);
  });

  it('an $insert_id Mixpanel disallows ("na", "null") is replaced by heed’s own', async () => {
    const heed = rig.start();
    heed.track('a', { $insert_id: 'na' });
    heed.track_with_groups('b', {}, { $insert_id: 'null' });
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.properties.$insert_id)).toEqual([expect.stringMatching(/^[A-Za-z0-9-]{10,36}$/), expect.stringMatching(/^[A-Za-z0-9-]{10,36}$/)]);
  });

  it('a __proto__ key is no property: it neither sets the copy’s prototype nor lifts the 254 limit', async () => {
    const heed = rig.start();
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => ['k' + i, [i]]));
    const props = JSON.parse(`{"__proto__": ${JSON.stringify(wide)}, "plan": ["pro"]}`) as Record<string, unknown>;
    heed.get_group('company', 'acme').union(props as never);
    await heed.flush();
    const [u] = rig.server.accepted('groups');
    expect(u!.$union).toEqual({ plan: ['pro'] });
  });
});
