import fc from 'fast-check';
import type { ConsentGate, GroupApi, Heed, PeopleApi } from '../../src/types';
import {
  callbackArb, functionArb, idArb, keyArb, maybe, none, numberArb, propsArb, recordArb, stringArb, trapArb, valueArb,
  type Spec,
} from './hostile';

/**
 * Every public method of the tracker with a generator of its arguments: the `Heed` interface,
 * `people.*`, `get_group(key, id).*` and `consent.*`. The tables are typed against the
 * interfaces, so a method added there and not here fails the typecheck.
 */
export interface Method {
  /** `track`, `people.set`, `get_group().union`, `consent.hold`. */
  path: string;
  args: fc.Arbitrary<Spec[]>;
}

const s = (v: string): Spec => ['s', v];
const args = (...a: fc.Arbitrary<Spec>[]): fc.Arbitrary<Spec[]> => (a.length ? fc.tuple(...a) : fc.constant([]));
const bool: fc.Arbitrary<Spec> = fc.oneof(fc.boolean().map((b): Spec => ['b', b]), valueArb);
const text = (...values: string[]): fc.Arbitrary<Spec> => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...values).map(s) }, { weight: 1, arbitrary: valueArb });

const HOOKS = ['before_track', 'before_send_events', 'before_send_people', 'before_send_groups', 'before_identify', 'before_register', 'before_register_once', 'before_unregister'];
const hookNameArb = text(...HOOKS);
const listArb = (item: fc.Arbitrary<Spec>) => fc.array(item, { maxLength: 4 }).map((items): Spec => ['arr', items]);
const nameArb = fc.oneof({ weight: 3, arbitrary: stringArb }, { weight: 1, arbitrary: valueArb });
const optionsArb = recordArb({ persistent: bool, days: numberArb });
const registerOptionsArb = fc.oneof(none, numberArb, optionsArb);
const selectorArb = fc.oneof(fc.constantFrom('a', '#x', 'form', '.link', '##', '', 'a[href', ':bogus(').map(s), valueArb);

/** Configuration as a page might pass it: every known option, with hostile values, and typos. */
export const configArb: fc.Arbitrary<Spec> = recordArb({
  api_host: fc.oneof({ weight: 3, arbitrary: fc.constant<Spec>(['server']) }, { weight: 1, arbitrary: text('eu', 'us', 'in') }),
  api_hosts: recordArb({ events: fc.constant<Spec>(['server']), people: valueArb }),
  api_routes: recordArb({ track: text('track/', 'collect', '/x/y/'), engage: valueArb, groups: valueArb }),
  api_extra_query_params: propsArb,
  api_method: text('GET', 'POST', 'get'),
  api_transport: text('XHR', 'xhr', 'sendBeacon'),
  api_payload_format: text('json', 'base64', 'xml'),
  xhr_headers: propsArb,
  batch_size: numberArb,
  batch_flush_interval_ms: numberArb,
  batch_request_timeout_ms: numberArb,
  max_queued_events: numberArb,
  batch_requests: bool,
  batch_autostart: bool,
  ip: bool,
  test: bool,
  verbose: bool,
  debug: bool,
  persistence: text('localStorage', 'cookie', 'memory', 'file'),
  persistence_name: nameArb,
  cookie_domain: nameArb,
  cookie_expiration: numberArb,
  disable_persistence: bool,
  opt_out_tracking_by_default: bool,
  opt_out_tracking_persistence_type: text('localStorage', 'cookie'),
  opt_out_tracking_cookie_prefix: nameArb,
  ignore_dnt: bool,
  purposes: fc.oneof(listArb(text('analytics', 'marketing', '')), valueArb),
  consent_max_age_days: fc.oneof(numberArb, valueArb),
  consent_notice_version: fc.oneof(text('v1', ''), valueArb),
  property_blacklist: fc.oneof(listArb(keyArb), valueArb),
  track_pageview: fc.oneof(bool, text('url-with-path', 'full-url')),
  track_marketing: bool,
  hooks: fc.oneof(fc.tuple(hookNameArb, functionArb).map(([k, f]): Spec => ['obj', [[k, f]]]), valueArb),
  loaded: functionArb,
  error_reporter: fc.oneof(fc.constant<Spec>(['fn', 'noop']), fc.constant<Spec>(['fn', 'throws']), valueArb),
  upgrade: valueArb,
  api_hots: valueArb, // a typo
  ['__proto__']: valueArb, // computed: an own key, as JSON.parse makes it
});

/** `people.*` and `get_group(...).*` share these argument shapes. */
const pairArgs = args(fc.oneof(keyArb, propsArb), maybe(fc.oneof(valueArb, callbackArb)), callbackArb);
const unsetArgs = args(fc.oneof(keyArb, listArb(keyArb), valueArb), callbackArb);
const unionArgs = args(fc.oneof(keyArb, propsArb), maybe(fc.oneof(listArb(valueArb), valueArb)), callbackArb);

const PEOPLE: Record<keyof PeopleApi, fc.Arbitrary<Spec[]>> = {
  set: pairArgs,
  set_once: pairArgs,
  unset: unsetArgs,
  increment: args(fc.oneof(keyArb, propsArb), maybe(fc.oneof(numberArb, callbackArb, valueArb)), callbackArb),
  append: pairArgs,
  union: unionArgs,
  remove: pairArgs,
  track_charge: args(fc.oneof(numberArb, valueArb), maybe(propsArb), callbackArb),
  clear_charges: args(callbackArb),
  delete_user: args(callbackArb),
};

/** `get_group(key, id)` first, then the operation's own arguments. */
const group = (rest: fc.Arbitrary<Spec[]>) => fc.tuple(fc.oneof(keyArb, valueArb), idArb, rest).map(([k, id, r]) => [k, id, ...r]);
const GROUP: Record<keyof GroupApi, fc.Arbitrary<Spec[]>> = {
  set: group(pairArgs),
  set_once: group(pairArgs),
  union: group(unionArgs),
  unset: group(unsetArgs),
  remove: group(pairArgs),
  delete: group(args(callbackArb)),
};

const purposeArb = text('analytics', 'marketing', 'ads');
const purposeListArb = maybe(fc.oneof(purposeArb, listArb(purposeArb)));
const CONSENT: Record<keyof ConsentGate, fc.Arbitrary<Spec[]>> = {
  status: args(maybe(purposeArb)),
  hold: args(maybe(text('pending', 'denied')), maybe(nameArb), maybe(bool), maybe(listArb(purposeArb))),
  own: args(),
  grant: args(purposeListArb, fc.oneof(none, recordArb({ track: fc.oneof(bool, functionArb), source: nameArb, consentString: nameArb }))),
  deny: args(purposeListArb, fc.oneof(none, recordArb({ delete_user: bool, clear_persistence: bool, source: nameArb, consentString: nameArb }))),
  purposes: args(),
  records: args(),
};

const trackOptions = fc.oneof(none, callbackArb, recordArb({ send_immediately: bool, transport: text('xhr', 'sendBeacon'), purpose: text('analytics', 'marketing', 'ads') }));
const optInOptions = fc.oneof(none, recordArb({ track: fc.oneof(bool, functionArb), track_event_name: nameArb, track_properties: propsArb, source: nameArb }));
const optOutOptions = fc.oneof(none, recordArb({ delete_user: bool, clear_persistence: bool, source: nameArb }));
const methodNameArb = text('track', 'identify', 'register', 'people', 'opt_out_tracking', 'push', 'init', '__proto__');

type TopLevel = Exclude<keyof Heed, 'people' | 'consent'>;
const TOP: Record<TopLevel, fc.Arbitrary<Spec[]>> = {
  init: args(fc.oneof(stringArb, valueArb), maybe(configArb), maybe(nameArb)),
  track: args(nameArb, maybe(propsArb), trackOptions, callbackArb),
  track_pageview: args(maybe(propsArb), fc.oneof(none, callbackArb, recordArb({ event_name: nameArb }))),
  track_with_groups: args(nameArb, propsArb, fc.oneof(propsArb, trapArb), callbackArb),
  track_links: args(selectorArb, nameArb, maybe(fc.oneof(propsArb, functionArb))),
  track_forms: args(selectorArb, nameArb, maybe(fc.oneof(propsArb, functionArb))),
  identify: args(idArb),
  alias: args(idArb, maybe(idArb)),
  reset: args(),
  get_distinct_id: args(),
  register: args(propsArb, registerOptionsArb),
  register_once: args(propsArb, maybe(valueArb), registerOptionsArb),
  unregister: args(nameArb, maybe(optionsArb)),
  get_property: args(nameArb),
  name_tag: args(nameArb),
  time_event: args(nameArb),
  disable: args(fc.oneof(none, listArb(nameArb), valueArb)),
  enable: args(fc.oneof(none, listArb(nameArb), valueArb)),
  set_config: args(configArb),
  get_config: args(fc.oneof(none, text('api_host', 'batch_size', 'hooks', 'token', '__proto__', 'constructor'), nameArb)),
  get_api_host: args(fc.oneof(none, text('events', 'people', 'groups', 'track', 'engage'))),
  set_group: args(fc.oneof(keyArb, valueArb), fc.oneof(idArb, listArb(idArb)), callbackArb),
  add_group: args(fc.oneof(keyArb, valueArb), idArb, callbackArb),
  remove_group: args(fc.oneof(keyArb, valueArb), idArb, callbackArb),
  get_group: args(fc.oneof(keyArb, valueArb), idArb),
  add_hook: args(hookNameArb, functionArb),
  remove_hook: args(hookNameArb, functionArb),
  start_batch_senders: args(),
  stop_batch_senders: args(),
  push: args(fc.oneof(fc.tuple(methodNameArb, fc.array(valueArb, { maxLength: 3 })).map(([m, rest]): Spec => ['arr', [m, ...rest]]), functionArb)),
  opt_in_tracking: args(optInOptions),
  opt_out_tracking: args(optOutOptions),
  has_opted_in_tracking: args(),
  has_opted_out_tracking: args(),
  clear_opt_in_out_tracking: args(fc.oneof(none, valueArb)),
  start_session_recording: args(),
  stop_session_recording: args(),
  flush: args(),
  onConsentChange: args(functionArb),
};

/** The whole public surface, one entry per method. */
export const METHODS: Method[] = [
  ...Object.entries(TOP).map(([path, a]) => ({ path, args: a })),
  ...Object.entries(PEOPLE).map(([name, a]) => ({ path: `people.${name}`, args: a })),
  ...Object.entries(GROUP).map(([name, a]) => ({ path: `get_group().${name}`, args: a })),
  ...Object.entries(CONSENT).map(([name, a]) => ({ path: `consent.${name}`, args: a })),
];

/** Call `path` on `heed` with `values` (already built); returns what the method returned. */
export function invoke(heed: Heed, path: string, values: unknown[]): unknown {
  const target = heed as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
  if (path.startsWith('get_group().')) {
    const api = heed.get_group(values[0] as string, values[1] as string) as unknown as Record<string, (...a: unknown[]) => unknown>;
    return api[path.slice('get_group().'.length)]!(...values.slice(2));
  }
  const dot = path.indexOf('.');
  if (dot > 0) return target[path.slice(0, dot)]![path.slice(dot + 1)]!(...values);
  return (heed as unknown as Record<string, (...a: unknown[]) => unknown>)[path]!(...values);
}
