import { withFallback } from './fallback';
import { unprefixed } from './prefix';
import type { Store, StoreFailure } from './types';
import { now } from '../intrinsics';

/** Attributes of the cookies a {@link cookieStore} writes. */
export interface CookieOptions {
  /**
   * Explicit `Domain` attribute, e.g. `'.example.com'`. Wins over `crossSubdomain`.
   * @default undefined (host-only cookie)
   * @example { domain: '.example.com' }
   */
  domain?: string;
  /**
   * Lifetime in days; `0` writes a session cookie.
   * @default 365
   * @example { days: 30 }
   */
  days?: number;
  /**
   * Add the `Secure` attribute. `sameSite: 'None'` adds it regardless, as browsers require.
   * @default false
   * @example { secure: true }
   */
  secure?: boolean;
  /**
   * Share the cookie with every subdomain of the site, using the domain that {@link cookieDomain}
   * derives from `location.hostname` when `domain` is not given.
   * @default false
   * @example { crossSubdomain: true } // on app.example.com writes Domain=.example.com
   */
  crossSubdomain?: boolean;
  /**
   * The `SameSite` attribute.
   * @default 'Lax'
   * @example { sameSite: 'Strict' }
   */
  sameSite?: 'Lax' | 'Strict' | 'None';
}

const EXPIRED = 'Thu, 01 Jan 1970 00:00:00 GMT';
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The `Domain` attribute that shares a cookie across a site's subdomains, or `undefined` where
 * none applies (IP addresses, `localhost`, single labels, and names that would be a suffix).
 *
 * A heuristic, not the Public Suffix List (which would cost tens of kilobytes): keep the last two
 * labels (`app.example.com` -> `.example.com`), or the last three when the top-level label has
 * two letters and the one before it at most three (`shop.example.co.uk` -> `.example.co.uk`,
 * also `.com.au`, `.co.jp`). It misjudges hosts like `www.bbc.co` (-> `.www.bbc.co`, merely too
 * narrow) and private suffixes (`me.github.io` -> `.github.io`, `app.vercel.app` -> `.vercel.app`),
 * which browsers reject; {@link cookieStore} therefore checks that a domain cookie was stored and
 * writes a host-only cookie when it was not.
 */
export function cookieDomain(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  // location.hostname brackets IPv6 addresses ("[::1]"); any colon means an address.
  if (host.includes(':') || IPV4.test(host)) return undefined;
  const labels = host.split('.');
  const tld = labels[labels.length - 1];
  if (labels.length < 2 || tld === 'localhost') return undefined;
  const keep = tld.length === 2 && labels[labels.length - 2].length <= 3 ? 3 : 2;
  if (labels.length < keep) return undefined;
  return '.' + labels.slice(-keep).join('.');
}

/**
 * `[name, raw value]` of every cookie this document can see, or only of those called `name`
 * (a host-only and a domain cookie can share a name).
 */
function readCookies(name?: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const cookieName = part.slice(0, eq).trim();
    if (name === undefined || cookieName === name) pairs.push([cookieName, part.slice(eq + 1).trim()]);
  }
  return pairs;
}

/** `undefined` for a value we did not encode ("100%"): a malformed value is not ours to read. */
function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * A namespace of first-party cookies. A key is stored in the cookie named `prefix + key`, raw
 * (as mixpanel-browser names its consent cookie `__mp_opt_in_out_<token>`), so prefixes and keys
 * must be valid cookie names; values are `encodeURIComponent`-encoded. Each cookie has `path=/`.
 *
 * `set` first deletes every variant of the cookie (host-only and domain-scoped), so a cookie left
 * by an earlier configuration cannot shadow the new value, then writes and reads back: a domain
 * cookie the browser refused is rewritten host-only, and a cookie that still cannot be read back
 * (cookies disabled, over the 4 KB limit) counts as a storage failure, so the store moves to
 * memory and reports it once. Reading `document.cookie` throws a SecurityError in sandboxed
 * iframes without allow-same-origin; that is a failure too.
 *
 * Nothing touches `document.cookie` until the first operation.
 *
 * @example
 * const consent = cookieStore('__mp_opt_in_out_', { crossSubdomain: true, secure: true });
 * consent.set(token, '0');
 */
export function cookieStore(prefix: string, options: CookieOptions = {}, onFailure?: StoreFailure): Store {
  const days = options.days ?? 365;
  const sameSite = options.sameSite ?? 'Lax';
  const secure = options.secure || sameSite === 'None';
  const sharedDomain = () => options.domain ?? (options.crossSubdomain ? cookieDomain(location.hostname) : undefined);

  const write = (name: string, value: string, domain: string | undefined) => {
    let cookie = `${name}=${value}; path=/`;
    if (days) cookie += `; expires=${new Date(now() + days * 864e5).toUTCString()}`;
    if (domain) cookie += `; domain=${domain}`;
    cookie += `; SameSite=${sameSite}`;
    if (secure) cookie += '; Secure';
    document.cookie = cookie;
  };
  const stored = (name: string, value: string) => readCookies(name).some(([, raw]) => raw === value);

  const remove = (key: string) => {
    const name = prefix + key;
    // Delete every variant this store may have written under any configuration, so opting out
    // leaves nothing behind even after `domain` or `crossSubdomain` changed.
    for (const domain of new Set([undefined, options.domain, cookieDomain(location.hostname)])) {
      document.cookie = `${name}=; expires=${EXPIRED}; path=/${domain ? `; domain=${domain}` : ''}`;
    }
  };

  return withFallback(
    'cookie',
    {
      get: (key) => {
        const found = readCookies(prefix + key)[0];
        return found && decode(found[1]);
      },
      set: (key, value) => {
        const name = prefix + key;
        const encoded = encodeURIComponent(value);
        remove(key);
        const domain = sharedDomain();
        write(name, encoded, domain);
        if (domain && !stored(name, encoded)) write(name, encoded, undefined);
        if (!stored(name, encoded)) throw new Error(`heed: cookie ${name} was not stored`);
      },
      remove,
      keys: () => unprefixed(readCookies().map(([name]) => name), prefix),
    },
    onFailure,
  );
}
