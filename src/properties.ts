import type { PropertyValue, Properties } from './types';

/**
 * Mixpanel's limits (ingestion docs): strings are cut to 255, names over 255 are refused, fewer
 * than 255 properties per object and items per list, nesting at most 3 deep.
 */
export const MAX_STRING = 255;
export const MAX_KEYS = 254;
const MAX_DEPTH = 3;

/**
 * A plain object (`Object.prototype`, `constructor === Object`, as `{}` to any reader) made by a
 * constructor, so that V8 sizes its in-object slots to what events hold. Filled by computed keys,
 * a `{}` turns into a slow dictionary past 16 properties, and an event has 25 or so: three times
 * slower to build, twice as slow to serialise.
 */
function Bag() {}
Bag.prototype = Object.prototype;
export const bag = (): Properties => new (Bag as unknown as new () => Properties)();

/** Any surrogate. Most strings have none, and in Chromium this test is twice as fast as `isWellFormed()`. */
const SURROGATE = /[\ud800-\udfff]/;

/** A lone surrogate is not valid Unicode (nor valid UTF-8 on the wire): U+FFFD instead. */
function wellFormed(s: string): string {
  if (!SURROGATE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    out += pair ? s[i] + s[++i] : (c & 0xf800) === 0xd800 ? '\ufffd' : s[i];
  }
  return out;
}

/** At most 255 UTF-16 units, never cutting a surrogate pair in two, and well-formed. */
export function text(s: string): string {
  if (s.length > MAX_STRING) {
    const end = s.charCodeAt(MAX_STRING - 1);
    s = s.slice(0, end >= 0xd800 && end <= 0xdbff ? MAX_STRING - 1 : MAX_STRING);
  }
  return wellFormed(s);
}

/** A usable property name: 1 to 255 UTF-16 units, lone surrogates made U+FFFD; `undefined` otherwise. */
export const propName = (key: unknown): string | undefined =>
  typeof key === 'string' && key && key.length <= MAX_STRING ? wellFormed(key) : undefined;

/**
 * A JSON-safe copy within Mixpanel's limits: strings cut to 255 (whole characters), non-finite
 * numbers to null, BigInt to string, Dates to ISO strings; functions, symbols, `undefined`, cycles,
 * what is nested deeper than 3, and anything that throws when read (getters, Proxy traps) are
 * dropped. Never throws.
 */
export function sanitize(value: unknown, depth = 0, seen?: unknown[]): PropertyValue | undefined {
  try {
    switch (typeof value) {
      case 'string':
        return text(value);
      case 'number':
        return isFinite(value) ? value : null;
      case 'boolean':
        return value;
      case 'bigint':
        return String(value);
      case 'object':
        return value === null ? null : container(value, depth, seen || []);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

function container(value: object, depth: number, seen: unknown[]): PropertyValue | undefined {
  if (value instanceof Date) return isNaN(+value) ? null : value.toISOString().slice(0, 19);
  if (depth >= MAX_DEPTH || seen.indexOf(value) >= 0) return undefined;
  seen.push(value);
  let out: PropertyValue;
  if (Array.isArray(value)) {
    const list: PropertyValue[] = [];
    for (let i = 0; i < value.length && list.length < MAX_KEYS; i++) {
      const v = sanitize(value[i], depth + 1, seen);
      if (v !== undefined) list.push(v);
    }
    out = list;
  } else {
    out = copyProps(value, depth + 1, seen);
  }
  seen.pop();
  return out;
}

/**
 * Sanitized own enumerable properties of `source` (a non-object gives none), written into `out`,
 * at most `room` new names; names over 255 characters are left out, lone surrogates in names made
 * U+FFFD. A hostile object (a Proxy
 * whose traps throw, a revoked Proxy) gives what could be read before it threw.
 */
export function copyProps(source: unknown, depth = 0, seen?: unknown[], out: Properties = {}, room = MAX_KEYS): Properties {
  if (!source || typeof source !== 'object') return out;
  try {
    for (const key in source) {
      if (room <= 0) break;
      const name = propName(key);
      // `__proto__` as a name would set the copy's prototype, not a property.
      if (!name || name === '__proto__' || !Object.prototype.hasOwnProperty.call(source, key)) continue;
      let v: PropertyValue | undefined;
      try {
        v = sanitize((source as Record<string, unknown>)[key], depth, seen);
      } catch {
        continue; // a throwing getter loses its own key only
      }
      if (v === undefined) continue;
      if (!(name in out)) room--;
      out[name] = v;
    }
  } catch {
    // for...in itself threw (ownKeys trap): keep what was copied
  }
  return out;
}
