import type { Properties, PropertyValue } from './types';
import { LIB_VERSION } from './config';
import { MAX_KEYS, bag, copyProps, text } from './properties';
import { INSERT_ID, distinctId } from './identity/ids';
import { show } from './intrinsics';

/** One item of a `/track` request, as Mixpanel's ingestion API takes it. */
export interface MixpanelEvent {
  event: string;
  properties: Properties;
}

/**
 * The properties every event shares until the page, the identity or a super property changes, in
 * mixpanel-browser's order: device context, marketing parameters and the page (`sources`), then
 * persistent and page-only super properties (reserved `__` keys left out), then token and library.
 */
export function baseProperties(token: string, sources: Properties[], profile: Properties, session: Properties): Properties {
  // One object filled by for-in loops: spreads of several objects cost several times more in V8.
  const p = bag();
  let room = BASE_KEYS;
  const put = (key: string, v: Properties[string]) => (key in p || room-- > 0 ? (p[key] = v) : undefined);
  for (const source of sources) for (const key in source) put(key, source[key]);
  p.distinct_id = profile.distinct_id;
  if (profile.$device_id !== undefined) p.$device_id = profile.$device_id;
  if (profile.$user_id !== undefined) p.$user_id = profile.$user_id;
  // Past Mixpanel's limit the last super properties registered are the ones left out.
  for (const key in profile) if (key[0] !== '_' || key[1] !== '_') put(key, profile[key]);
  for (const key in session) put(key, session[key]);
  p.token = token;
  p.mp_lib = 'heed';
  p.$lib_version = LIB_VERSION;
  return p;
}

/**
 * Room in the base for the page, the device and super properties: Mixpanel's limit less the ids,
 * the token and library (3), and what each event adds (time, $insert_id, $duration, a person's ids).
 */
export const BASE_KEYS = MAX_KEYS - 12;
const NEEDED = { token: 1, distinct_id: 1, time: 1, $insert_id: 1 };
/** What `buildEvent` adds beside the base and the caller's properties. */
const ADDED = 6;

/** Per call: when, its `$insert_id`, the timed duration, property names never to send, and the base's size. */
export interface EventOptions {
  time: number;
  insertId: string;
  duration?: number;
  blacklist: readonly string[];
  /** How many properties `base` has (Mixpanel takes fewer than 255 in all). */
  baseSize: number;
  /** Told when a caller's reserved property was not usable and heed's own value was kept. */
  warn?(message: string): void;
}

/** Mixpanel's window for `time` (ms): from 1971 to an hour ahead. */
const validTime = (t: unknown, now: number): t is number => {
  const ms = typeof t === 'number' && t < 1e11 ? t * 1000 : t;
  return typeof ms === 'number' && ms >= 31536e6 && ms <= now + 36e5;
};

/** The caller's reserved properties that Mixpanel would refuse: heed's own value (`who`'s ids) instead. */
function reserved(p: Properties, who: Properties, o: EventOptions): void {
  // The usual event sets none of them: each check is one comparison until a caller's value differs.
  if (p.distinct_id !== who.distinct_id && distinctId(p.distinct_id) !== p.distinct_id) fix(p, 'distinct_id', who.distinct_id, o);
  if (p.$user_id !== who.$user_id && distinctId(p.$user_id) !== p.$user_id) fix(p, '$user_id', who.$user_id, o);
  if (p.time === undefined) p.time = o.time;
  else if (!validTime(p.time, o.time)) fix(p, 'time', o.time, o);
  const id = p.$insert_id;
  if (id === undefined) p.$insert_id = o.insertId;
  else if (!(typeof id === 'string' && INSERT_ID.test(id) && distinctId(id) !== undefined)) fix(p, '$insert_id', o.insertId, o);
}

function fix(p: Properties, key: string, value: PropertyValue | undefined, o: EventOptions): void {
  if (o.warn) o.warn(`${key} ${show(p[key])} is not usable; heed's own is sent`);
  p[key] = value;
}

/** The shared `base`, then the caller's properties, sanitised and within Mixpanel's limits; never their token. */
export function eventProperties(base: Properties, props: unknown, o: EventOptions): Properties {
  const p = bag();
  for (const key in base) p[key] = base[key];
  // Room for the caller beside the base and the fields heed adds after it.
  copyProps(props, 0, undefined, p, MAX_KEYS - o.baseSize - ADDED);
  p.token = base.token;
  return p;
}

/**
 * The event of `eventProperties` `p`: `who`'s device id (in a browser never the caller's), the
 * library, the caller's `distinct_id`, `$user_id`, `time` or `$insert_id` where Mixpanel would take
 * them (else heed's own, `who`'s ids), the duration, then `property_blacklist`.
 */
export function finishEvent(p: Properties, who: Properties, event: string, o: EventOptions): MixpanelEvent {
  p.$device_id = who.$device_id;
  if (p.$device_id === undefined) delete p.$device_id;
  p.mp_lib = 'heed';
  p.$lib_version = LIB_VERSION;
  reserved(p, who, o);
  if (o.duration !== undefined) p.$duration = o.duration;
  // What Mixpanel needs to take an event stays, whatever the list says.
  for (const key of o.blacklist) if (!(key in NEEDED)) delete p[key];
  return { event: text(event), properties: p };
}

/** One event for the current identity: the shared `base`, then the caller's properties. */
export const buildEvent = (base: Properties, event: string, props: unknown, o: EventOptions): MixpanelEvent =>
  finishEvent(eventProperties(base, props, o), base, event, o);

/** One `/engage` or `/groups` update: the project token, who it is for, and one operation. */
export const buildUpdate = (token: string, target: Properties, op: string, value: Properties[string]): Properties => {
  const u: Properties = { $token: token };
  for (const key in target) u[key] = target[key];
  u[op] = value;
  return u;
};
