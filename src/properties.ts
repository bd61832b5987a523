import type { PropertyValue, Properties } from './types';

const MAX_STRING = 255; // Mixpanel truncates every string to 255 characters
const MAX_DEPTH = 5;

/**
 * A JSON-safe copy: strings cut to 255, non-finite numbers to null, BigInt to string, Dates to
 * ISO strings; functions, symbols, `undefined` and cycles are dropped. Never throws.
 */
export function sanitize(value: unknown, depth = 0, seen?: unknown[]): PropertyValue | undefined {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
    case 'number':
      return isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return String(value);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Date) return isNaN(+value) ? null : value.toISOString().slice(0, 19);
  if (depth >= MAX_DEPTH) return undefined;
  seen = seen || [];
  if (seen.indexOf(value) >= 0) return undefined;
  seen.push(value);
  let out: PropertyValue;
  if (Array.isArray(value)) {
    const list: PropertyValue[] = [];
    for (const item of value) {
      const v = sanitize(item, depth + 1, seen);
      if (v !== undefined) list.push(v);
    }
    out = list;
  } else {
    out = copyProps(value as Record<string, unknown>, depth + 1, seen);
  }
  seen.pop();
  return out;
}

/** Sanitized own enumerable properties of `source` (a non-object gives none), written into `out`. */
export function copyProps(source: unknown, depth = 0, seen?: unknown[], out: Properties = {}): Properties {
  if (source && typeof source === 'object') {
    for (const key in source) {
      if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
      let v: PropertyValue | undefined;
      try {
        v = sanitize((source as Record<string, unknown>)[key], depth, seen);
      } catch {
        continue; // a throwing getter loses its own key only
      }
      if (v !== undefined) out[key] = v;
    }
  }
  return out;
}
