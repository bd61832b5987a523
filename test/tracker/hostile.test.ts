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
