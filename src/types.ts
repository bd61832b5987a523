/** A JSON-safe property value (heed sanitizes whatever it is given into this). */
export type PropertyValue =
  | string
  | number
  | boolean
  | null
  | Date
  | readonly PropertyValue[]
  | { readonly [key: string]: PropertyValue | undefined };

export type Properties = Record<string, PropertyValue | undefined>;

/** What a callback gets with `verbose: true`: the server's answer, or why nothing was accepted. */
export interface VerboseResult {
  status: 0 | 1;
  error: string | null;
}

/**
 * Mixpanel's callback convention: `1` once the server acknowledged, `0` when the call was refused
 * (consent, bad input) or delivery failed for good; with `verbose: true`, a {@link VerboseResult}.
 * (Declared bivariantly, so a callback written for `0 | 1` only still fits.)
 */
export type Callback = { bivarianceHack(result: 0 | 1 | VerboseResult): void }['bivarianceHack'];

/** Event name → its properties. `createHeed<Events>()` checks `track()` calls against it. */
export type EventMap = Record<string, Properties>;

export type ConsentStatus = 'granted' | 'denied' | 'pending';

/** Where a consent change came from: this tab's API, another tab, or a consent source (CMP). */
export type ConsentSource = 'api' | 'tab' | (string & {});

/** Each of the site's purposes (`purposes` option) and its status. */
export type PurposeStatuses = Record<string, ConsentStatus>;

/**
 * Called on every change of the overall status or of any purpose's status: `status` is
 * `'granted'` while any purpose is granted; `purposes` holds each purpose's status.
 */
export type ConsentListener = (status: ConsentStatus, source: ConsentSource, purposes: PurposeStatuses) => void;

/** One consent decision, as `consent.records()` returns it and `$opt_in` carries it. */
export interface ConsentRecord {
  /** Who decided: `'api'`, a consent source (`'tcf'`, `'gpp'`, `'consent-mode'`, a banner's name), `'tab'` for another tab. */
  source: ConsentSource;
  /** When, in milliseconds since the epoch. */
  time: number;
  /** Every purpose's status right after the decision. */
  purposes: PurposeStatuses;
  /** The site's `consent_notice_version` at the time, when it set one. */
  notice?: string;
  /** The TCF TC string or GPP string the CMP gave, when there is one. */
  consentString?: string;
}

/** One purpose name, or a list of them; none means every purpose. */
export type PurposeList = string | readonly string[];

/** `consent.grant()` options: those of `opt_in_tracking()`, and the CMP's consent string. */
export interface GrantOptions extends OptInOptions {
  /** Kept in the record (a TC or GPP string). */
  consentString?: string;
}

/** `consent.deny()` options: those of `opt_out_tracking()`, and the CMP's consent string. */
export interface DenyOptions extends OptOutOptions {
  /** Kept in the record while some purpose stays granted. */
  consentString?: string;
}

/**
 * The consent gate. Apps decide with `opt_in_tracking()` / `opt_out_tracking()`; consent sources
 * (`heed/consent`: TCF, GPP, Consent Mode, CMP signals) also use `hold` and `own`.
 */
export interface ConsentGate {
  /** The status of `purpose`, or without one the overall status: `'granted'` while any purpose is granted. */
  status(purpose?: string): ConsentStatus;
  /**
   * Grant purposes (all of the site's without an argument, as `opt_in_tracking()`): stored with a
   * record, and `$opt_in` is sent carrying it. An unknown purpose refuses the call (debug warning).
   * @example heed.consent.grant(['analytics'], { source: 'banner' })
   */
  grant(purposes?: PurposeList, options?: GrantOptions): void;
  /**
   * Deny purposes (all without an argument, as `opt_out_tracking()`): their queued events are
   * dropped; once no purpose is granted this is a full opt-out. An unknown purpose refuses the call.
   * @example heed.consent.deny('marketing')
   */
  deny(purposes?: PurposeList, options?: DenyOptions): void;
  /** The site's purposes, as configured (`purposes` option). */
  purposes(): string[];
  /** The last decisions (at most 10), oldest first. */
  records(): ConsentRecord[];
  /**
   * Hold the gate for this page view, never persisted: `'pending'` while a CMP has not answered
   * (`track()` calls wait in memory, at most 100 of them for 30 s; nothing is written or sent),
   * `'denied'` after a CMP error or timeout; `undefined` releases it and the waiting calls go
   * through the gate again. With `keep`, a grant (`opt_in_tracking()`) during `'pending'` sends the
   * waiting calls too; otherwise they are sent only if a grant was stored before. Any decision
   * (`opt_in_tracking` / `opt_out_tracking`) ends the hold. With `purposes`, a `'denied'` hold
   * applies to those purposes only.
   */
  hold(state?: 'pending' | 'denied', source?: ConsentSource, keep?: boolean, purposes?: readonly string[]): void;
  /**
   * What the tracker holds on its own, without any hold: the stored decision (`'1'` in, `'0'`
   * out), whether DNT/GPC says no, each purpose's status, and the purposes whose grant expired.
   */
  own(): { decision?: '1' | '0'; signal: boolean; purposes: PurposeStatuses; expired: string[] };
}

export interface TrackOptions {
  /** Send now instead of waiting for the batch interval. */
  send_immediately?: boolean;
  /** `'sendBeacon'`: hand this event to `navigator.sendBeacon` at once (it survives a navigation). */
  transport?: 'xhr' | 'sendBeacon';
  /**
   * The purpose this event serves (one of the `purposes` option): it is built, stored and sent only
   * while that purpose is granted. An unknown purpose refuses the call.
   * @default the first of `purposes` ('analytics')
   * @example heed.track('Ad click', {}, { purpose: 'marketing' })
   */
  purpose?: string;
}

/** One `/track` item, as queued: what `track()` returns. */
export interface TrackedEvent {
  event: string;
  properties: Properties;
}

export interface OptInOptions {
  /** Who decided, as told to `onConsentChange` listeners; a consent source passes its name. @default 'api' */
  source?: ConsentSource;
  /** Track the opt-in event. Mixpanel passes a function here; `false` skips the event. @default true */
  track?: boolean | ((event: string, properties?: Properties) => void);
  /** @default '$opt_in' */
  track_event_name?: string;
  track_properties?: Properties;
  /** Accepted for compatibility: the profile is always written once tracking is allowed. */
  enable_persistence?: boolean;
  cookie_expiration?: number;
  cookie_domain?: string;
  cross_subdomain_cookie?: boolean;
  secure_cookie?: boolean;
}

export interface OptOutOptions {
  /** Who decided, as told to `onConsentChange` listeners; a consent source passes its name. @default 'api' */
  source?: ConsentSource;
  /** Send one `$delete` profile update for an identified user before the gate closes. @default true */
  delete_user?: boolean;
  /** Remove identity, super properties and queued events stored for this token. @default true */
  clear_persistence?: boolean;
  cookie_expiration?: number;
  cookie_domain?: string;
  cross_subdomain_cookie?: boolean;
  secure_cookie?: boolean;
}

export interface ClearOptInOutOptions {
  enable_persistence?: boolean;
  cookie_domain?: string;
  cross_subdomain_cookie?: boolean;
  secure_cookie?: boolean;
}

export interface RegisterOptions {
  /** `false` keeps the super properties in memory for this page only. @default true */
  persistent?: boolean;
  /** Days the super properties live; after that they are dropped from the profile. @default forever */
  days?: number;
}

/** What the `before_*` hooks receive and may return (`null` or `undefined` drops the call). */
export interface Hooks {
  /** Runs on every `track()`, before the event is built; returns `[event, properties]` or an event name. */
  before_track?: (event: string, properties: Properties) => string | [string, Properties] | null | undefined;
  /** Runs on each event as queued; returns the (changed) event. */
  before_send_events?: (event: TrackedEvent) => TrackedEvent | null | undefined;
  /** Runs on each `/engage` update as queued. */
  before_send_people?: (update: Properties) => Properties | null | undefined;
  /** Runs on each `/groups` update as queued. */
  before_send_groups?: (update: Properties) => Properties | null | undefined;
  before_identify?: (id: string) => string | null | undefined;
  before_register?: (props: Properties, days?: number | RegisterOptions) => Properties | [Properties, (number | RegisterOptions)?] | null | undefined;
  before_register_once?: (
    props: Properties,
    defaultValue?: PropertyValue,
    days?: number | RegisterOptions,
  ) => Properties | [Properties, PropertyValue?, (number | RegisterOptions)?] | null | undefined;
  before_unregister?: (name: string, options?: RegisterOptions) => string | [string, RegisterOptions?] | null | undefined;
}

export type HookName = keyof Hooks;
export type HookFunction = NonNullable<Hooks[HookName]>;

/** `track_pageview` init values: once per page load, or also on single-page-app navigations. */
export type PageviewMode = boolean | 'url-with-path' | 'url-with-path-and-query-string' | 'full-url';

export interface Config {
  /** Your project token, as given to `init`. */
  token: string;
  /**
   * Ingestion host: `'us'`, `'eu'`, `'in'` for Mixpanel's regions, or a URL (a compatible collector or a first-party proxy).
   * @default 'https://api-js.mixpanel.com'
   * @example heed.init(token, { api_host: 'eu' })
   */
  api_host: 'us' | 'eu' | 'in' | (string & {});
  /**
   * Hosts per kind of request, for proxies that split them; keyed as mixpanel-browser's two code
   * paths key them (`events`/`people` or `track`/`engage`, and `groups`).
   * @default {}
   * @example { api_hosts: { events: 'https://t.example.com' } }
   */
  api_hosts: Partial<Record<'events' | 'people' | 'groups' | 'track' | 'engage', string>>;
  /**
   * Paths below the host, for first-party proxies that rename them (ad blockers match `/track/`).
   * @default { track: 'track/', engage: 'engage/', groups: 'groups/' }
   * @example { api_routes: { track: 'e/', engage: 'p/', groups: 'g/' } }
   */
  api_routes: { track?: string; engage?: string; groups?: string };
  /** Extra query parameters on every ingestion request. @default {} */
  api_extra_query_params: Record<string, string>;
  /** `'GET'` puts the payload in the query string (batches are split to keep URLs short). @default 'POST' */
  api_method: 'POST' | 'GET';
  /** `'sendBeacon'` sends every request with `navigator.sendBeacon` (no reply is read). @default 'XHR' */
  api_transport: 'XHR' | 'xhr' | 'sendBeacon';
  /** Body encoding inside `data=`. heed sends JSON to every host (mixpanel-browser sends base64 to hosts not on mixpanel.com). @default 'json' */
  api_payload_format: 'json' | 'base64';
  /** Headers on every request (`fetch`; not on beacons). A header other than the CORS-safelisted ones costs a preflight. @default {} */
  xhr_headers: Record<string, string>;
  /** Ask the server to geolocate by request IP (`ip=1`). @default true */
  ip: boolean;
  /** Send `test=1` on every request (Mixpanel's test mode). @default false */
  test: boolean;
  /** Callbacks receive the server's `{status, error}` instead of `1` / `0`. @default false */
  verbose: boolean;
  /** Batch requests; `false` sends each call at once. @default true */
  batch_requests: boolean;
  /** Events per request (at most 2000, Mixpanel's limit). @default 50 */
  batch_size: number;
  /** Longest wait before a batch is sent. @default 5000 */
  batch_flush_interval_ms: number;
  /** A request that has not answered by then is aborted and retried. @default 90000 */
  batch_request_timeout_ms: number;
  /** Start sending batches at init; with `false`, batches wait for `start_batch_senders()`. @default true */
  batch_autostart: boolean;
  /** Events the outbox holds at most; beyond it the oldest are dropped (with a `debug` warning). @default 10000 */
  max_queued_events: number;
  /** Where identity and super properties live. @default 'localStorage' */
  persistence: 'localStorage' | 'cookie' | 'memory' | 'file';
  /** Stored profile name: `mp_<persistence_name>` instead of `mp_<token>_mixpanel`. @default '' */
  persistence_name: string;
  /** The older name of `persistence_name`. @default '' */
  cookie_name: string;
  /** Keep the profile in memory only (the consent decision is still stored). @default false */
  disable_persistence: boolean;
  /** The older name of `disable_persistence`. @default false */
  disable_cookie: boolean;
  /** Node file store path (with `persistence: 'file'`). @default '~/.heed/state.json' */
  persistence_path: string;
  /** @default '' (the page's host, or its site with cross_subdomain_cookie) */
  cookie_domain: string;
  /** Cookie lifetime in days. @default 365 */
  cookie_expiration: number;
  /** @default true */
  cross_subdomain_cookie: boolean;
  /** `SameSite=None; Secure` cookies, for a site embedded in another. @default false */
  cross_site_cookie: boolean;
  /** @default false */
  secure_cookie: boolean;
  /** No decision stored means "not allowed" until `opt_in_tracking()`. @default false */
  opt_out_tracking_by_default: boolean;
  /**
   * mixpanel-browser's way of not storing the profile while opted out by default. heed never
   * stores anything before consent, so only `true` is accepted; `false` is refused with a warning.
   * @default true
   */
  opt_out_persistence_by_default: boolean;
  /** Where the consent flag is stored. @default 'localStorage' */
  opt_out_tracking_persistence_type: 'localStorage' | 'cookie';
  /** Flag key prefix: the flag is `<prefix><token>`. @default '__mp_opt_in_out_' */
  opt_out_tracking_cookie_prefix: string;
  /**
   * The purposes this site asks consent for. Each event serves one (`track(name, props, { purpose })`,
   * default: the first); people and group updates serve the first.
   * @default ['analytics']
   * @example heed.init(token, { purposes: ['analytics', 'marketing'] })
   */
  purposes: string[];
  /**
   * Days a grant counts; after that the purpose is `'pending'` again until the person answers
   * anew. `0` turns expiry off. European regulators advise asking again after about 13 months.
   * @default 0
   * @example heed.init(token, { consent_max_age_days: 395 })
   */
  consent_max_age_days: number;
  /**
   * The version of the consent notice the banner shows; kept in each record, and a grant made
   * under another version no longer counts. `''`: none.
   * @default ''
   * @example heed.init(token, { consent_notice_version: '2026-11' })
   */
  consent_notice_version: string;
  /** Do not treat Do Not Track (or `DO_NOT_TRACK=1` in Node) as an opt-out. @default false */
  ignore_dnt: boolean;
  /** Do not treat Global Privacy Control as an opt-out. @default false */
  ignore_gpc: boolean;
  /** Property names removed from every event. @default [] */
  property_blacklist: string[];
  /**
   * Page views: `true` one `$mp_web_page_view` per page load (sent once tracking is allowed);
   * `'url-with-path'`, `'url-with-path-and-query-string'` or `'full-url'` also one per single-page-app
   * navigation that changes that part of the URL.
   * @default false
   */
  track_pageview: PageviewMode;
  /** Add the page's `utm_*` and click ids (`gclid`, `fbclid`, ...) to every event. @default true */
  track_marketing: boolean;
  /** Keep the landing page's `utm_*` as super properties. @default true */
  store_google: boolean;
  /** With `store_google`, drop stored `utm_*` instead of keeping the last campaign. @default false */
  stop_utm_persistence: boolean;
  /** Keep `$initial_referrer` and `$initial_referring_domain` (first touch). @default true */
  save_referrer: boolean;
  /** Do not send the first-touch `initial_utm_*` profile properties on `identify`. @default false */
  skip_first_touch_marketing: boolean;
  /** `before_*` hooks, each a function or a list of them (see `add_hook`). @default {} */
  hooks: { [K in HookName]?: Hooks[K] | Array<NonNullable<Hooks[K]>> };
  /** Called once `init` is done, with the instance. */
  loaded: (instance: Heed) => void;
  /** Called with every warning heed reports (whether or not `debug` is on). */
  error_reporter: (message: string, error?: unknown) => void;
  /** Warn on the console about dropped calls, bad input and refused options. @default false */
  debug: boolean;
}

/**
 * mixpanel-browser options heed does not implement. They are accepted so that an existing
 * configuration still compiles, and each use prints one `debug` warning naming it (README,
 * "Migrating from mixpanel-browser", says why for each).
 */
export interface RefusedConfig {
  /** @deprecated heed has no autocapture; track what you need with `track()` / `track_links()`. */
  autocapture?: unknown;
  /** @deprecated heed has no feature flags. */
  flags?: unknown;
  /** @deprecated heed has no session recording. */
  record_sessions_percent?: number;
  /** @deprecated heed has no session recording. */
  record_allowed_iframe_origins?: string[];
  /** @deprecated heed has no session recording. */
  record_block_class?: string | RegExp;
  /** @deprecated heed has no session recording. */
  record_block_selector?: string;
  /** @deprecated heed has no session recording. */
  record_canvas?: boolean;
  /** @deprecated heed has no session recording. */
  record_collect_fonts?: boolean;
  /** @deprecated heed has no session recording. */
  record_console?: boolean;
  /** @deprecated heed has no session recording (nor heatmaps). */
  record_heatmap_data?: boolean;
  /** @deprecated heed has no session recording. */
  recording_event_triggers?: unknown;
  /** @deprecated heed has no session recording. */
  record_idle_timeout_ms?: number;
  /** @deprecated heed has no session recording. */
  record_mask_inputs?: boolean;
  /** @deprecated heed has no session recording. */
  record_max_ms?: number;
  /** @deprecated heed has no session recording. */
  record_min_ms?: number;
  /** @deprecated heed has no session recording. */
  record_network?: boolean;
  /** @deprecated heed has no session recording. */
  record_network_options?: unknown;
  /** @deprecated heed has no session recording. */
  recorder_src?: string | null;
  /** @deprecated heed has no feature flags (the targeting module). */
  targeting_src?: string | null;
  /** @deprecated heed loads no modules at run time. */
  lib_base_path?: string;
  /** @deprecated heed loads no remote settings: its configuration is what the page gives. */
  remote_settings_mode?: 'strict' | 'fallback' | 'disabled';
  /** @deprecated heed loads nothing from a CDN at run time. */
  cdn?: string;
  /** @deprecated used by mixpanel-browser for flags and replay links, which heed has not. */
  app_host?: string;
  /** @deprecated internal to mixpanel-browser's loaders. */
  mp_loader?: string | null;
  /** @deprecated heed never sends image-pixel requests; it uses fetch and sendBeacon. */
  img?: boolean;
  /** @deprecated heed reads mixpanel-browser's current stored format only (no legacy cookie upgrade). */
  upgrade?: boolean | string;
  /** @deprecated `track_links` / `track_forms` send with a beacon and never hold navigation back. */
  track_links_timeout?: number;
}

export type InitConfig = Partial<Config> & RefusedConfig;

export interface PeopleApi {
  set(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  set_once(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  unset(prop: string | string[], callback?: Callback): Properties | undefined;
  increment(prop: string | Record<string, number>, by?: number | Callback, callback?: Callback): Properties | undefined;
  append(list: string | Properties, value?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  union(list: string | Record<string, PropertyValue>, values?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  remove(list: string | Properties, value?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  /** @deprecated As in mixpanel-browser: revenue tracking through profiles has no effect any more. */
  track_charge(amount: number, properties?: Properties | Callback, callback?: Callback): void;
  /** Empties the profile's `$transactions`. */
  clear_charges(callback?: Callback): Properties | undefined;
  delete_user(callback?: Callback): Properties | undefined;
}

export interface GroupApi {
  set(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  set_once(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  union(list: string | Record<string, PropertyValue>, values?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  unset(prop: string | string[], callback?: Callback): Properties | undefined;
  remove(list: string | Properties, value?: PropertyValue | Callback, callback?: Callback): Properties | undefined;
  delete(callback?: Callback): Properties | undefined;
}

type TrackArgs<E extends EventMap, K extends keyof E & string> = {} extends E[K]
  ? [properties?: E[K], optionsOrCallback?: TrackOptions | Callback, callback?: Callback]
  : [properties: E[K], optionsOrCallback?: TrackOptions | Callback, callback?: Callback];

/** What `track_links` / `track_forms` accept: a CSS selector, an element, or a list of elements. */
export type DomQuery = string | Element | ArrayLike<Element>;

/** `track_links` / `track_forms` properties: fixed, or computed from the element. */
export type DomProperties = Properties | ((element: Element) => Properties);

/** One call for `push()`, as mixpanel-browser's array snippet records it: `[method, ...args]`. */
export type PushItem = [method: string, ...args: unknown[]];

/** The Mixpanel-compatible tracker. `E` maps event names to their properties. */
export interface Heed<E extends EventMap = EventMap> {
  /** Initialise this instance, or with `name` a named instance reachable as `heed[name]`. */
  init(token: string, config?: InitConfig, name?: string): Heed<E>;
  /** Queue an event; returns what was queued, or `undefined` when it was refused or a hook dropped it. */
  track<K extends keyof E & string>(event: K, ...args: TrackArgs<E, K>): TrackedEvent | undefined;
  /** `$mp_web_page_view` (or `options.event_name`) with the page and campaign properties. */
  track_pageview(properties?: Properties, options?: { event_name?: string } | Callback): TrackedEvent | undefined;
  /** `track()` with group keys (`{ company: ['acme'] }`) added to the properties. */
  track_with_groups(event: keyof E & string, properties: Properties, groups: Record<string, PropertyValue>, callback?: Callback): TrackedEvent | undefined;
  /** Track clicks on the matching links (navigation goes on; the event is sent with a beacon). */
  track_links(query: DomQuery, event: keyof E & string, properties?: DomProperties): boolean;
  /** Track submissions of the matching forms (the event is sent with a beacon). */
  track_forms(query: DomQuery, event: keyof E & string, properties?: DomProperties): boolean;
  /** Identify the person. Numbers are taken as strings; returns `-1` for an id refused (a `$device:` id, a disallowed value, a hook). */
  identify(id: string | number): -1 | void;
  /** mixpanel-browser's alias: `$create_alias`, keeping the current distinct_id. `-1` when `alias` is the current id, `-2` for a People id. */
  alias(alias: string, original?: string): TrackedEvent | -1 | -2 | undefined;
  reset(): void;
  get_distinct_id(): string | undefined;
  register(properties: Properties, options?: RegisterOptions | number): void;
  register_once(properties: Properties, defaultValue?: PropertyValue, options?: RegisterOptions | number): void;
  unregister(name: string, options?: RegisterOptions): void;
  get_property(name: string): PropertyValue | undefined;
  /** `mp_name_tag`, a super property naming this person. */
  name_tag(name: string): void;
  time_event(event: keyof E & string): void;
  /** Stop tracking the named events (all of them without a list) on this page. */
  disable(events?: string[]): void;
  /** Undo `disable`. */
  enable(events?: string[]): void;
  set_config(config: InitConfig): void;
  get_config<K extends keyof Config>(key: K): Config[K];
  get_config(): Config;
  /** The host requests of that kind go to (`api_hosts`, else `api_host`). */
  get_api_host(kind?: 'events' | 'people' | 'groups' | 'track' | 'engage'): string;
  readonly people: PeopleApi;
  set_group(key: string, ids: PropertyValue, callback?: Callback): Properties | undefined;
  add_group(key: string, id: string | number, callback?: Callback): Properties | undefined;
  remove_group(key: string, id: string | number, callback?: Callback): Properties | undefined;
  get_group(key: string, id: string | number): GroupApi;
  add_hook<K extends HookName>(name: K, hook: NonNullable<Hooks[K]>): void;
  remove_hook<K extends HookName>(name: K, hook: NonNullable<Hooks[K]>): void;
  /** Start sending batches (with `batch_autostart: false`), and batch again after `stop_batch_senders`. */
  start_batch_senders(): void;
  /** Send what is queued now, then send each call at once until `start_batch_senders()`. */
  stop_batch_senders(): void;
  /** Run queued calls, as mixpanel-browser's array snippet records them. */
  push(item: PushItem | (() => void)): void;
  opt_in_tracking(options?: OptInOptions): void;
  opt_out_tracking(options?: OptOutOptions): void;
  has_opted_in_tracking(): boolean;
  has_opted_out_tracking(): boolean;
  clear_opt_in_out_tracking(options?: ClearOptInOutOptions): void;
  /** @deprecated heed has no session recording: a no-op with a debug warning. */
  start_session_recording(): void;
  /** @deprecated heed has no session recording: a no-op with a debug warning. */
  stop_session_recording(): void;
  /** Send everything queued now; resolves when the server acknowledged it. */
  flush(): Promise<void>;
  readonly consent: ConsentGate;
  /** Called on every change of the consent status; returns an unsubscribe function. */
  onConsentChange(listener: ConsentListener): () => void;
}
