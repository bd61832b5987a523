/**
 * Pages heed does not control, as init scripts (run before any page script) or scripts a page
 * runs after heed loaded. Each stands for something real sites do (issue 13).
 */

/** Counts every write to the page's stores, by anyone: the consent promise is 0 before consent. */
export const COUNT_WRITES = `(() => {
  const w = (window.__writes = []);
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) { w.push('setItem ' + key); return setItem.call(this, key, value); };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { return cookie.get.call(this); },
    set(value) { w.push('cookie ' + String(value).split('=')[0]); cookie.set.call(this, value); },
  });
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (name) { w.push('indexedDB.open ' + name); return open.apply(this, arguments); };
})();`;

/**
 * A Promise polyfill a page put over the native one: then/catch, settling on a timer. An old one
 * with `statics` (resolve, reject, all) but no `finally`; a minimal one without them.
 */
const promisePolyfill = (statics: boolean) => `(() => {
  function LegacyPromise(executor) {
    let state = 0, value, queue = [];
    const run = (h) => {
      const cb = state === 1 ? h.ok : h.ko;
      if (typeof cb !== 'function') return (state === 1 ? h.resolve : h.reject)(value);
      try { h.resolve(cb(value)); } catch (e) { h.reject(e); }
    };
    const settle = (s, v) => {
      if (state) return;
      if (s === 1 && v && typeof v.then === 'function') return v.then((x) => settle(1, x), (e) => settle(2, e));
      state = s; value = v;
      setTimeout(() => queue.splice(0).forEach(run), 0);
    };
    this.then = (ok, ko) => new LegacyPromise((resolve, reject) => {
      const h = { ok, ko, resolve, reject };
      if (state) setTimeout(() => run(h), 0); else queue.push(h);
    });
    this['catch'] = (ko) => this.then(undefined, ko);
    try { executor((v) => settle(1, v), (e) => settle(2, e)); } catch (e) { settle(2, e); }
  }
  ${statics ? STATICS : ''}
  window.Promise = LegacyPromise;
})();`;
const STATICS = `LegacyPromise.resolve = (v) => new LegacyPromise((r) => r(v));
  LegacyPromise.reject = (e) => new LegacyPromise((_, r) => r(e));
  LegacyPromise.all = (list) => new LegacyPromise((resolve, reject) => {
    const out = []; let left = list.length;
    if (!left) return resolve(out);
    list.forEach((p, i) => LegacyPromise.resolve(p).then((v) => { out[i] = v; if (--left === 0) resolve(out); }, reject));
  });`;

/** Prototype.js 1.6 extends Array.prototype with a toJSON that returns a string (enumerable, as Object.extend does). */
const PROTOTYPE_JS = `Array.prototype.toJSON = function () {
  const parts = [];
  for (let i = 0; i < this.length; i++) parts.push(this[i] && typeof this[i] === 'object' ? '{...}' : String(this[i]));
  return '[' + parts.join(', ') + ']';
};`;

/** A library that gives every object a toJSON (non-enumerable, so for-in loops stay sane). */
const OBJECT_TO_JSON = `Object.defineProperty(Object.prototype, 'toJSON', { value: function () { return '[object]'; }, writable: true, configurable: true });`;

/** Site data blocked (Chrome's "block all site data"): storage getters throw, cookies are dropped silently. */
const BLOCK_STORAGE = `(() => {
  const denied = () => { throw new DOMException('The operation is insecure.', 'SecurityError'); };
  for (const name of ['localStorage', 'sessionStorage', 'indexedDB']) Object.defineProperty(window, name, { configurable: true, get: denied });
  Object.defineProperty(Document.prototype, 'cookie', { configurable: true, get: () => '', set: () => undefined });
})();`;

export interface Environment {
  /** Runs before any page script (as an extension or an early library would). */
  before?: string;
  /** Runs after heed's script has loaded, before `init` (a later script on the page). */
  afterLoad?: string;
  /** The page under /reliability/ (default page.html). */
  page?: string;
  /** heed runs in the page's iframe, not its main frame. */
  frame?: boolean;
}

export const ENVIRONMENTS: Record<string, Environment> = {
  'a plain page (control)': {},
  'window.Promise replaced by an old polyfill (no finally)': { before: promisePolyfill(true) },
  'window.Promise replaced by a minimal polyfill (no Promise.resolve, no Promise.all)': { before: promisePolyfill(false) },
  'JSON.stringify throws': { afterLoad: "JSON.stringify = function () { throw new Error('page: JSON.stringify is broken'); };" },
  'Array.prototype.toJSON (Prototype.js)': { before: PROTOTYPE_JS },
  'Object.prototype.toJSON': { before: OBJECT_TO_JSON },
  'window.fetch throws': { before: "window.fetch = function () { throw new TypeError('fetch is blocked by an extension'); };" },
  'Date.now stubbed to 0 (fake timers)': { before: 'Date.now = function () { return 0; };' },
  'a strict Content-Security-Policy': { page: 'csp.html' },
  'storage blocked': { before: BLOCK_STORAGE },
  'a sandboxed iframe (opaque origin)': { page: 'sandbox.html', frame: true },
};
