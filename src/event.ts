import type { Properties } from './types';
import { LIB_VERSION } from './config';
import { copyProps } from './properties';

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
  const p: Properties = {};
  for (const source of sources) for (const key in source) p[key] = source[key];
  for (const key in profile) if (key[0] !== '_' || key[1] !== '_') p[key] = profile[key];
  for (const key in session) p[key] = session[key];
  p.token = token;
  p.mp_lib = 'heed';
  p.$lib_version = LIB_VERSION;
  return p;
}

/** Per call: when, its `$insert_id`, the timed duration, and property names never to send. */
export interface EventOptions {
  time: number;
  insertId: string;
  duration?: number;
  blacklist: readonly string[];
}

/**
 * One event: the shared `base`, then the caller's properties, sanitised (a caller may set its own
 * `distinct_id`, `time` or `$insert_id`, never the token or device id), then `property_blacklist`.
 */
export function buildEvent(base: Properties, event: string, props: unknown, o: EventOptions): MixpanelEvent {
  const p: Properties = {};
  for (const key in base) p[key] = base[key];
  copyProps(props, 0, undefined, p);
  p.token = base.token;
  p.$device_id = base.$device_id;
  p.mp_lib = 'heed';
  p.$lib_version = LIB_VERSION;
  if (p.time === undefined) p.time = o.time;
  if (p.$insert_id === undefined) p.$insert_id = o.insertId;
  if (o.duration !== undefined) p.$duration = o.duration;
  for (const key of o.blacklist) delete p[key];
  return { event: event.slice(0, 255), properties: p };
}

/** One `/engage` or `/groups` update: the project token, who it is for, and one operation. */
export const buildUpdate = (token: string, target: Properties, op: string, value: Properties[string]): Properties => {
  const u: Properties = { $token: token };
  for (const key in target) u[key] = target[key];
  u[op] = value;
  return u;
};
