/**
 * jsdom state shared by the browser-side tests: storage, cookies and the privacy signals
 * (Do Not Track, Global Privacy Control), put back after every test.
 */

const patched: Array<() => void> = [];

/** Every cookie this document can see, by name. */
export function cookies(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** localStorage as a plain object. */
export function localEntries(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)!;
    out[key] = localStorage.getItem(key)!;
  }
  return out;
}

/** Define `target[name]` for this test only (a DNT / GPC value, a throwing storage getter). */
export function patch(target: object, name: string, descriptor: PropertyDescriptor): void {
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { configurable: true, ...descriptor });
  patched.push(() => {
    if (own) Object.defineProperty(target, name, own);
    else delete (target as Record<string, unknown>)[name];
  });
}

/** Set a privacy signal: `navigator.doNotTrack = '1'`, `window.doNotTrack`, `navigator.globalPrivacyControl`. */
export function signal(target: 'navigator' | 'window', name: string, value: unknown): void {
  patch(target === 'navigator' ? navigator : window, name, { value, writable: true });
}

/** Make `window.localStorage` throw as in a sandboxed iframe or with site data blocked. */
export function refuseLocalStorage(): void {
  patch(window, 'localStorage', {
    get() {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    },
  });
}

/** Empty localStorage, sessionStorage and the cookie jar; undo every {@link patch}. */
export function resetBrowser(): void {
  while (patched.length) patched.pop()!();
  localStorage.clear();
  sessionStorage.clear();
  for (const name of Object.keys(cookies())) {
    document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
}
