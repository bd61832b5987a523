import { copyProps, sanitize, text } from '../src/properties';

describe("sanitize: JSON-safe and within Mixpanel's limits", () => {
  it('cuts strings to 255 UTF-16 units without splitting a surrogate pair, and repairs lone surrogates', () => {
    expect(text('a'.repeat(254) + '😀')).toBe('a'.repeat(254)); // the pair would straddle 255: it goes whole
    expect(text('a'.repeat(253) + '😀x')).toBe('a'.repeat(253) + '😀');
    expect(text('x\ud83dy\ude00')).toBe('x\ufffdy\ufffd');
    expect(text('ok 😀')).toBe('ok 😀');
  });

  it('keeps nesting to 3 levels, lists and objects under 255 entries, names up to 255 characters', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    expect(copyProps({ deep })).toEqual({ deep: { a: { b: {} } } });
    expect((sanitize(Array.from({ length: 300 }, (_, i) => i)) as number[]).length).toBe(254);
    expect(Object.keys(copyProps(Object.fromEntries(Array.from({ length: 300 }, (_, i) => ['k' + i, i])))).length).toBe(254);
    expect(copyProps({ ['n'.repeat(256)]: 1, ['n'.repeat(255)]: 2 })).toEqual({ ['n'.repeat(255)]: 2 });
  });

  it('never throws on hostile objects: Proxies whose traps throw, revoked Proxies, throwing getters', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const hostile = new Proxy({}, { ownKeys: trap, get: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap, has: trap });
    const revocable = Proxy.revocable({ a: 1 }, {});
    revocable.revoke();
    const getter = Object.defineProperty({ kept: 1 }, 'bad', { enumerable: true, get: trap });
    expect(copyProps(hostile)).toEqual({});
    expect(copyProps(revocable.proxy)).toEqual({});
    expect(copyProps({ nested: hostile, list: [hostile], ok: 1 })).toEqual({ list: [], ok: 1 });
    expect(copyProps(getter)).toEqual({ kept: 1 });
    expect(sanitize(hostile)).toBeUndefined();
    expect(copyProps(Object.create(null, { a: { value: 1, enumerable: true } }))).toEqual({ a: 1 });
  });
});
