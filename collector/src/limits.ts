/**
 * Mixpanel's per-item limits (wire reference §2.4, "Per-event limits"): fewer than 255
 * properties, property names and strings of at most 255 characters, lists of fewer than 255
 * items, nested objects of fewer than 255 keys, nesting at most 3 deep. Where Mixpanel truncates
 * a longer string, the collector refuses it instead: a client that leans on the server's
 * truncation (or splits a surrogate pair doing its own) is seen here, not in production. Lone
 * surrogates are refused too (they are not Unicode text; what Mixpanel stores for them is
 * undocumented).
 *
 * "Characters" are code points: `'😀'` is one character, two UTF-16 units.
 */
export const MAX_CHARS = 255;
/** Properties, list items and nested keys must each stay below this. */
export const MAX_ENTRIES = 255;
export const MAX_DEPTH = 3;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Code points in `s`, counted only as far as the limit needs. */
function chars(s: string): number {
  if (s.length <= MAX_CHARS) return s.length; // at most that many code points
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Why `s` is not acceptable Mixpanel text, or undefined. */
export function textProblem(s: string): string | undefined {
  if (LONE_SURROGATE.test(s)) return 'holds a lone surrogate (not Unicode text)';
  if (chars(s) > MAX_CHARS) return `is longer than ${MAX_CHARS} characters`;
  return undefined;
}

/** A refusal's field (dotted, as Mixpanel's `failed_records[].field`) and message. */
export interface Problem {
  field: string;
  message: string;
}

/**
 * The first limit `value` (the value of property `field`) breaks, or undefined. `depth` is how
 * many lists or objects enclose it inside the property.
 */
export function valueProblem(field: string, value: unknown, depth = 0): Problem | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem === undefined ? undefined : { field, message: `${field} ${problem}` };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return { field, message: `${field} nests lists or objects more than ${MAX_DEPTH} deep` };
  if (Array.isArray(value)) {
    if (value.length >= MAX_ENTRIES) return { field, message: `${field} is a list of ${value.length} items (the limit is ${MAX_ENTRIES - 1})` };
    for (let i = 0; i < value.length; i++) {
      const problem = valueProblem(`${field}[${i}]`, value[i], depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return propertiesProblem(field, value as Record<string, unknown>, depth + 1);
}

/** The first limit an object of properties breaks (its size, a name, a value), or undefined. */
export function propertiesProblem(field: string, props: Record<string, unknown>, depth = 0): Problem | undefined {
  const keys = Object.keys(props);
  const what = depth === 0 ? 'properties' : 'keys';
  if (keys.length >= MAX_ENTRIES) return { field, message: `${field} has ${keys.length} ${what} (the limit is ${MAX_ENTRIES - 1})` };
  for (const key of keys) {
    const name = textProblem(key);
    if (name) return { field, message: `${field} has a property name that ${name}` };
    const problem = valueProblem(`${field}.${key}`, props[key], depth);
    if (problem) return problem;
  }
  return undefined;
}
