import crypto from 'node:crypto';
import { checkEvent, checkGroupUpdate, checkProfileUpdate, isObject, Refusal as Refused } from '../validate.js';
import type { Endpoint } from './options.js';
import type { SpoolRow } from './spool.js';

/**
 * What happens to one item at the edge, before it is spooled: the privacy rules (no IP, an
 * optional country hint), the collector's own validation (validate.ts), the token allow-list and
 * the size limits. The result is the exact JSON the upstream will receive.
 */
export interface EdgeRules {
  tokens: ReadonlySet<string> | undefined;
  maxItemBytes: number;
  /** The upstream request byte limit: an item must fit in a request on its own, form-encoded. */
  maxEncodedBytes: number;
}

export type Refusal = 'invalid' | 'token' | 'too_large';
export type Admitted = { ok: true; row: SpoolRow } | { ok: false; reason: Refusal; message: string };

/** Mixpanel truncates strings to 255 characters (wire reference §2.4), as mixpanel-js and heed do before sending. */
export const MAX_STRING = 255;
/** Deeper values are left as they are: Mixpanel allows a nesting depth of 3. */
const MAX_DEPTH = 32;
/** Geolocation inputs Mixpanel reads from an item (wire reference §2.4, §2.5): never forwarded. */
const IP_KEYS = ['ip', '$ip'];

export function admit(endpoint: Endpoint, raw: unknown, country: string | undefined, rules: EdgeRules): Admitted {
  if (isObject(raw)) {
    const target = endpoint === 'track' && isObject(raw.properties) ? raw.properties : raw;
    for (const key of IP_KEYS) delete target[key];
    if (endpoint === 'track' && country && target !== raw && target.mp_country_code === undefined) target.mp_country_code = country;
    truncate(raw, 0);
  }
  return endpoint === 'track' ? admitEvent(raw, rules) : admitUpdate(endpoint, raw, rules);
}

function admitEvent(raw: unknown, rules: EdgeRules): Admitted {
  const record = checkEvent(raw);
  if (record instanceof Refused) return invalid(record);
  const item = `{"event":${JSON.stringify(record.event)},"properties":${record.properties}}`;
  const dedupe = record.insertId === null ? null : key(record.token, record.distinctId ?? '', record.event, record.insertId);
  return finish(item, record.token, dedupe, rules);
}

function admitUpdate(endpoint: Endpoint, raw: unknown, rules: EdgeRules): Admitted {
  const checked = endpoint === 'engage' ? checkProfileUpdate(raw) : checkGroupUpdate(raw);
  if (checked instanceof Refused) return invalid(checked);
  let item: string;
  try {
    item = JSON.stringify(raw);
  } catch {
    return { ok: false, reason: 'invalid', message: 'item cannot be serialised as JSON' };
  }
  return finish(item, checked.token, null, rules);
}

const invalid = ({ message }: Refused): Admitted => ({ ok: false, reason: 'invalid', message });

function finish(item: string, token: string, dedupe: string | null, rules: EdgeRules): Admitted {
  if (rules.tokens && !rules.tokens.has(token)) {
    return { ok: false, reason: 'token', message: 'project token not accepted by this relay' };
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8, which form-encode to at most 9: only items that
  // might not fit are measured exactly.
  const bytes = item.length * 3 > rules.maxItemBytes ? Buffer.byteLength(item) : 0;
  if (bytes > rules.maxItemBytes) {
    return { ok: false, reason: 'too_large', message: `item is ${bytes} bytes of JSON, the limit is ${rules.maxItemBytes}` };
  }
  const encoded = item.length * 9 > rules.maxEncodedBytes ? encodeURIComponent(item).length : 0;
  if (encoded > rules.maxEncodedBytes) {
    return { ok: false, reason: 'too_large', message: `item is ${encoded} bytes form-encoded, an upstream request holds ${rules.maxEncodedBytes}` };
  }
  return { ok: true, row: { dedupe, item } };
}

/** Every string value cut to {@link MAX_STRING} characters, in place, as mixpanel-js's `_.truncate` does. */
function truncate(value: Record<string, unknown> | unknown[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  const keys = Array.isArray(value) ? value.keys() : Object.keys(value);
  for (const key of keys) {
    const v = (value as Record<string | number, unknown>)[key];
    if (typeof v === 'string') {
      if (v.length > MAX_STRING) put(value, key, cut(v));
    } else if (typeof v === 'object' && v !== null) {
      truncate(v as Record<string, unknown>, depth + 1);
    }
  }
}

/** A cut that never leaves half of a surrogate pair (it would arrive as U+FFFD). */
function cut(s: string): string {
  const end = /[\uD800-\uDBFF]/.test(s[MAX_STRING - 1]!) ? MAX_STRING - 1 : MAX_STRING;
  return s.slice(0, end);
}

/** Plain assignment to a key named `__proto__` (legal in JSON) would set the prototype instead. */
function put(target: object, key: string | number, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Mixpanel's de-duplication identity of an event, hashed (132 bits of SHA-256: no collision in practice). */
function key(...parts: string[]): string {
  return hash('sha256', parts.join('\n'), 'base64url').slice(0, 22);
}

/** `crypto.hash` (Node ≥ 20.12) is about twice as fast as a Hash object for one short input. */
const hash: (algorithm: string, data: string, encoding: 'base64url') => string =
  typeof crypto.hash === 'function' ? crypto.hash : (algorithm, data, encoding) => crypto.createHash(algorithm).update(data).digest(encoding);
