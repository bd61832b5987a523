/**
 * @jest-environment jsdom
 * @jest-environment-options {"url": "https://app.example.com/"}
 */
import { cookieDomain, cookieStore } from '../../src/storage/cookie';
import type { StoreKind } from '../../src/storage/types';

const EXPIRED = 'expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
const nativeCookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;

function recorder() {
  const calls: Array<[StoreKind, unknown]> = [];
  return { calls, onFailure: (kind: StoreKind, error: unknown) => void calls.push([kind, error]) };
}

/** Passes cookie writes through to jsdom's jar and keeps the strings, to see the attributes. */
function recordWrites(): string[] {
  const writes: string[] = [];
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => nativeCookie.get!.call(document),
    set: (value: string) => {
      writes.push(value);
      nativeCookie.set!.call(document, value);
    },
  });
  return writes;
}

function overrideCookie(get: () => string, set: (value: string) => void) {
  Object.defineProperty(document, 'cookie', { configurable: true, get, set });
}

function cookieNames(): string[] {
  return document.cookie ? document.cookie.split('; ').map((pair) => pair.split('=')[0]) : [];
}

afterEach(() => {
  delete (document as { cookie?: string }).cookie; // back to Document.prototype's accessor
  for (const name of cookieNames()) {
    document.cookie = `${name}=; ${EXPIRED}`;
    document.cookie = `${name}=; ${EXPIRED}; domain=.example.com`;
  }
  expect(document.cookie).toBe('');
});

describe('cookieStore', () => {
  it('touches no cookie when created', () => {
    const writes = recordWrites();
    cookieStore('__mp_opt_in_out_', { crossSubdomain: true });
    cookieStore('heed_');
    expect(writes).toEqual([]);
    expect(document.cookie).toBe('');
  });

  it('names the cookie prefix + key, raw, like mixpanel-browser', () => {
    const consent = cookieStore('__mp_opt_in_out_');
    consent.set('abc123', '1');
    expect(document.cookie).toBe('__mp_opt_in_out_abc123=1');
    expect(consent.get('abc123')).toBe('1');
  });

  it('encodes values and reads them back unchanged', () => {
    const store = cookieStore('heed_');
    const value = '{"distinct_id":"a b;c=d,é%/\\u00e9"}';
    store.set('profile', value);
    expect(document.cookie).toBe(`heed_profile=${encodeURIComponent(value)}`);
    expect(store.get('profile')).toBe(value);
  });

  it('lists its own keys without the prefix and keeps prefixes apart', () => {
    const a = cookieStore('a_');
    const b = cookieStore('b_');
    a.set('x', '1');
    a.set('y', '2');
    b.set('x', '3');
    document.cookie = 'other=1; path=/';
    expect(a.keys().sort()).toEqual(['x', 'y']);
    expect(b.keys()).toEqual(['x']);
    expect(a.get('x')).toBe('1');
    expect(b.get('x')).toBe('3');
    expect(b.get('y')).toBeUndefined();
  });

  it('removes both the host-only and the domain-scoped cookie', () => {
    document.cookie = 'heed_id=host; path=/';
    document.cookie = 'heed_id=domain; path=/; domain=.example.com';
    document.cookie = 'heed_keep=1; path=/';
    expect(cookieNames()).toEqual(['heed_id', 'heed_id', 'heed_keep']);
    cookieStore('heed_').remove('id');
    expect(document.cookie).toBe('heed_keep=1');
  });

  it('replaces a cookie left by an earlier configuration instead of shadowing it', () => {
    document.cookie = 'heed_id=old; path=/';
    const store = cookieStore('heed_', { crossSubdomain: true });
    store.set('id', 'new');
    expect(document.cookie).toBe('heed_id=new');
    expect(store.get('id')).toBe('new');
  });

  it('writes path, expiry, SameSite and Secure attributes', () => {
    const writes = recordWrites();
    const before = Date.now();
    cookieStore('heed_').set('k', 'v');
    const written = writes[writes.length - 1];
    expect(written).toMatch(/^heed_k=v; path=\/; expires=[^;]+; SameSite=Lax$/);
    const expires = Date.parse(/expires=([^;]+)/.exec(written)![1]);
    expect(expires).toBeGreaterThan(before + 364 * 864e5);
    expect(expires).toBeLessThan(before + 366 * 864e5);

    cookieStore('heed_', { days: 0, sameSite: 'None' }).set('s', 'v');
    expect(writes[writes.length - 1]).toBe('heed_s=v; path=/; SameSite=None; Secure');

    cookieStore('heed_', { days: 7, secure: true, sameSite: 'Strict' }).set('t', 'v');
    expect(writes[writes.length - 1]).toMatch(/; SameSite=Strict; Secure$/);
  });

  it('shares the cookie across subdomains with crossSubdomain', () => {
    const writes = recordWrites();
    const store = cookieStore('heed_', { crossSubdomain: true });
    store.set('id', 'shared');
    expect(writes[writes.length - 1]).toContain('; domain=.example.com;');
    // A host-only deletion leaves a domain cookie alone: the cookie really is domain-scoped.
    document.cookie = `heed_id=; ${EXPIRED}`;
    expect(store.get('id')).toBe('shared');
    store.remove('id');
    expect(document.cookie).toBe('');
  });

  it('uses an explicit domain, and writes host-only when the browser rejects it', () => {
    const writes = recordWrites();
    const { calls, onFailure } = recorder();
    cookieStore('ok_', { domain: '.example.com' }).set('k', '1');
    expect(writes[writes.length - 1]).toContain('; domain=.example.com;');

    const store = cookieStore('heed_', { domain: '.other.com' }, onFailure);
    store.set('k', '2');
    expect(writes[writes.length - 1]).not.toContain('domain=');
    expect(store.get('k')).toBe('2');
    expect(document.cookie).toContain('heed_k=2');
    expect(calls).toEqual([]);
  });

  it('reads a value it did not encode as absent', () => {
    document.cookie = 'heed_bad=100%; path=/';
    const store = cookieStore('heed_');
    expect(store.get('bad')).toBeUndefined();
    expect(store.keys()).toEqual(['bad']);
  });

  it('falls back to memory when document.cookie throws', () => {
    overrideCookie(
      () => {
        throw new DOMException('sandboxed', 'SecurityError');
      },
      () => {
        throw new DOMException('sandboxed', 'SecurityError');
      },
    );
    const { calls, onFailure } = recorder();
    const a = cookieStore('a_', {}, onFailure);
    const b = cookieStore('b_', {}, onFailure);

    expect(() => a.set('k', '1')).not.toThrow();
    expect(a.get('k')).toBe('1');
    expect(a.keys()).toEqual(['k']);
    a.remove('k');
    expect(a.get('k')).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('cookie');
    expect((calls[0][1] as DOMException).name).toBe('SecurityError');

    expect(b.get('k')).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('falls back to memory when cookies are silently dropped', () => {
    overrideCookie(
      () => '',
      () => undefined,
    );
    const { calls, onFailure } = recorder();
    const store = cookieStore('heed_', { crossSubdomain: true }, onFailure);
    expect(store.get('k')).toBeUndefined();
    expect(calls).toEqual([]);
    store.set('k', 'v');
    expect(store.get('k')).toBe('v');
    store.set('k', 'w');
    expect(store.get('k')).toBe('w');
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('cookie');
    expect(String(calls[0][1])).toContain('heed_k was not stored');
  });
});

describe('cookieDomain', () => {
  it.each([
    ['app.example.com', '.example.com'],
    ['example.com', '.example.com'],
    ['a.b.example.com', '.example.com'],
    ['EXAMPLE.com.', '.example.com'],
    ['shop.example.co.uk', '.example.co.uk'],
    ['example.co.uk', '.example.co.uk'],
    ['www.example.com.au', '.example.com.au'],
    ['example.de', '.example.de'],
    ['app.example.io', '.example.io'],
    // Known limits of the heuristic (the store rewrites a rejected domain cookie host-only).
    ['www.bbc.co', '.www.bbc.co'],
    ['me.github.io', '.github.io'],
    ['co.uk', undefined],
    ['localhost', undefined],
    ['app.localhost', undefined],
    ['intranet', undefined],
    ['127.0.0.1', undefined],
    ['192.168.1.20', undefined],
    ['[::1]', undefined],
    ['[2001:db8::1]', undefined],
    ['', undefined],
  ])('%s -> %s', (hostname, expected) => {
    expect(cookieDomain(hostname)).toBe(expected);
  });
});
