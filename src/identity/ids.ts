import { text } from '../properties';

/** RFC 4122 v4. `randomUUID` is missing on plain-http pages, so fall back to getRandomValues. */
export function uuid(): string {
  const c = globalThis.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  // A random byte per digit, kept to the bits the version (4) and the variant (8 to b) leave free.
  const b = new Uint8Array(31);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 31; i++) b[i] = Math.random() * 256;
  let i = 0;
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) => (+d ^ (b[i++] & (15 >> (+d / 4)))).toString(16));
}

/**
 * `$insert_id`s: a random per-instance prefix plus a counter. Unique across pages and retries
 * without a UUID per event (randomUUID alone costs more than the rest of track()).
 */
export function insertIds(): () => string {
  const prefix = uuid().replace(/-/g, '').slice(0, 24);
  let n = 0;
  return () => prefix + '-' + (n++).toString(36);
}

/** Ids Mixpanel refuses as a distinct_id (ingestion docs), compared trimmed and lower-cased. */
const DISALLOWED = '00000000-0000-0000-0000-000000000000 anon anonymous nil none null n/a na undefined unknown <nil> 0 -1 true false [] {}'.split(' ');

/** `id` as a distinct_id (a finite number as its string), or `undefined` for one Mixpanel would refuse. */
export function distinctId(id: unknown): string | undefined {
  const s = typeof id === 'number' && isFinite(id) ? String(id) : id;
  return typeof s === 'string' && s && text(s) === s && DISALLOWED.indexOf(s.trim().toLowerCase()) < 0 ? s : undefined;
}

/** Who the profile is: set by identify, alias and reset only, never as a super property or group key. */
export const OWN_IDS = ['distinct_id', '$device_id', '$user_id'];

/** What Mixpanel accepts as an `$insert_id`: at most 36 of [A-Za-z0-9-]. */
export const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;
