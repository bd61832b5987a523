/*
 * What heed needs from the page, taken so that a page cannot break it: heed runs on pages it does
 * not control, which replace globals (a Promise polyfill, Prototype.js's toJSON, a fake clock).
 */

/** The engine's own Promise: an async function returns one whatever `window.Promise` is now. */
export const P = (async () => undefined)().constructor as PromiseConstructor;

const nativeStringify = JSON.stringify;
const nativeParse = JSON.parse;

const ESCAPE = /[\\"\u0000-\u001f\u2028\u2029\ud800-\udfff]/g;
const quote = (s: string) =>
  '"' + s.replace(ESCAPE, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : '\\u' + (c.charCodeAt(0) + 0x10000).toString(16).slice(1))) + '"';

/** JSON of a sanitised tree (strings, finite numbers, booleans, null, arrays, plain objects), by hand. */
function serialize(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      return isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) out.push(serialize(v[i]) ?? 'null');
    return '[' + out.join(',') + ']';
  }
  for (const key of Object.keys(v as object)) {
    const s = serialize((v as Record<string, unknown>)[key]);
    if (s !== undefined) out.push(quote(key) + ':' + s);
  }
  return '{' + out.join(',') + '}';
}

/** Whether JSON.stringify, as heed found it, is the engine's (a page may have replaced it before heed loaded). */
const trusted = typeof nativeStringify === 'function' && /\[native code\]/.test(Function.prototype.toString.call(nativeStringify));

/**
 * JSON of what heed sends and stores. The engine's JSON.stringify is fast, but a page's
 * `Array.prototype.toJSON` or `Object.prototype.toJSON` (Prototype.js and other legacy libraries)
 * would change the output, so then, or when JSON.stringify was replaced by something broken, heed
 * serialises by hand.
 */
export function stringify(value: unknown): string {
  const proto = Object.prototype as { toJSON?: unknown };
  const list = Array.prototype as { toJSON?: unknown };
  if (trusted && proto.toJSON === undefined && list.toJSON === undefined) {
    try {
      return nativeStringify(value);
    } catch {
      // replaced after heed loaded: fall through
    }
  }
  return serialize(value) ?? 'null';
}

/** JSON.parse as heed loaded it; `undefined` for anything that does not parse. */
export function parse(text: string): unknown {
  try {
    return nativeParse(text);
  } catch {
    return undefined;
  }
}

/** Before this (September 2020) a clock is taken to be stubbed (a test page's fake timers at 0). */
const FLOOR = 1.6e12;
const perf = typeof performance !== 'undefined' && performance.timeOrigin > FLOOR ? performance : undefined;

/** Milliseconds since the epoch, from `Date.now` unless a page stubbed it below a sane floor. */
export function now(): number {
  const t = Date.now();
  return t > FLOOR || !perf ? t : Math.round(perf.timeOrigin + perf.now());
}

/** A value for a warning message, whatever it is (a Proxy whose traps throw prints as one). */
export function show(value: unknown): string {
  try {
    return typeof value === 'string' ? quote(value.slice(0, 80)) : String(value);
  } catch {
    return '(unprintable)';
  }
}
