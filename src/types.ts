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

/** Mixpanel's callback convention: `1` (or the verbose reply) on success, `0` when blocked or failed. */
export type Callback = (result: 0 | 1) => void;

/** Event name → its properties. `createHeed<Events>()` checks `track()` calls against it. */
export type EventMap = Record<string, Properties>;

export type ConsentStatus = 'granted' | 'denied' | 'pending';

/** Where a consent change came from: this tab's API, another tab, or a consent source (CMP). */
export type ConsentSource = 'api' | 'tab' | (string & {});

export type ConsentListener = (status: ConsentStatus, source: ConsentSource) => void;

/**
 * The consent gate. Apps decide with `opt_in_tracking()` / `opt_out_tracking()`; consent sources
 * (`heed/consent`: TCF, GPP, Consent Mode, CMP signals) also use `hold` and `own`.
 */
export interface ConsentGate {
  status(): ConsentStatus;
  /**
   * Hold the gate for this page view, never persisted: `'pending'` while a CMP has not answered
   * (`track()` calls wait in memory, at most 100 of them for 30 s; nothing is written or sent),
   * `'denied'` after a CMP error or timeout; `undefined` releases it and the waiting calls go
   * through the gate again. With `keep`, a grant (`opt_in_tracking()`) during `'pending'` sends the
   * waiting calls too; otherwise they are sent only if a grant was stored before. Any decision
   * (`opt_in_tracking` / `opt_out_tracking`) ends the hold.
   */
  hold(state?: 'pending' | 'denied', source?: ConsentSource, keep?: boolean): void;
  /** What the tracker holds on its own: the stored decision (`'1'` in, `'0'` out) and whether DNT/GPC says no. */
  own(): { decision?: '1' | '0'; signal: boolean };
}

export interface TrackOptions {
  /** Send now instead of waiting for the batch interval. */
  send_immediately?: boolean;
  /** Mixpanel's per-call transport hint; heed accepts it and uses `sendBeacon` on page hide anyway. */
  transport?: 'xhr' | 'sendBeacon';
}

export interface OptInOptions {
  /** Who decided, as told to `onConsentChange` listeners; a consent source passes its name. @default 'api' */
  source?: ConsentSource;
  /** Track the opt-in event. Mixpanel passes a function here; `false` skips the event. @default true */
  track?: boolean | ((event: string, properties?: Properties) => void);
  /** @default '$opt_in' */
  track_event_name?: string;
  track_properties?: Properties;
  /** Accepted for compatibility: persistence is always enabled on opt-in. */
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
  /** Accepted for compatibility (cookie lifetime); heed's profile follows `cookie_expiration`. */
  days?: number;
}

export interface Config {
  /**
   * Ingestion host: `'us'`, `'eu'`, `'in'` for Mixpanel's regions, or a URL (a compatible collector).
   * @default 'https://api-js.mixpanel.com'
   * @example heed.init(token, { api_host: 'eu' })
   */
  api_host: 'us' | 'eu' | 'in' | (string & {});
  /** Body encoding inside `data=`. @default 'json' */
  api_payload_format: 'json' | 'base64';
  /** Ask the server to geolocate by request IP (`ip=1`). @default true */
  ip: boolean;
  /** Events per request (at most 2000, Mixpanel's limit). @default 50 */
  batch_size: number;
  /** Longest wait before a batch is sent. @default 5000 */
  batch_flush_interval_ms: number;
  /** A request that has not answered by then is aborted and retried. @default 90000 */
  batch_request_timeout_ms: number;
  /** Events the outbox holds at most; beyond it the oldest are dropped (with a `debug` warning). @default 10000 */
  max_queued_events: number;
  /** Where identity and super properties live. @default 'localStorage' */
  persistence: 'localStorage' | 'cookie' | 'memory' | 'file';
  /** Node file store path (with `persistence: 'file'`). @default '~/.heed/state.json' */
  persistence_path: string;
  cookie_domain: string;
  /** Cookie lifetime in days. @default 365 */
  cookie_expiration: number;
  /** @default true */
  cross_subdomain_cookie: boolean;
  /** @default false */
  secure_cookie: boolean;
  /** No decision stored means "not allowed" until `opt_in_tracking()`. @default false */
  opt_out_tracking_by_default: boolean;
  /** Where the consent flag is stored. @default 'localStorage' */
  opt_out_tracking_persistence_type: 'localStorage' | 'cookie';
  /** Flag key prefix: the flag is `<prefix><token>`. @default '__mp_opt_in_out_' */
  opt_out_tracking_cookie_prefix: string;
  /** Do not treat Do Not Track (or `DO_NOT_TRACK=1` in Node) as an opt-out. @default false */
  ignore_dnt: boolean;
  /** Do not treat Global Privacy Control as an opt-out. @default false */
  ignore_gpc: boolean;
  /** Property names removed from every event. @default [] */
  property_blacklist: string[];
  /** Warn on the console about dropped calls and bad input. @default false */
  debug: boolean;
}

export type InitConfig = Partial<Config>;

export interface PeopleApi {
  set(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): void;
  set_once(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): void;
  unset(prop: string | string[], callback?: Callback): void;
  increment(prop: string | Record<string, number>, by?: number | Callback, callback?: Callback): void;
  append(list: string | Properties, value?: PropertyValue | Callback, callback?: Callback): void;
  union(list: string | Record<string, PropertyValue>, values?: PropertyValue | Callback, callback?: Callback): void;
  remove(list: string | Properties, value?: PropertyValue | Callback, callback?: Callback): void;
  delete_user(callback?: Callback): void;
}

export interface GroupApi {
  set(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): void;
  set_once(prop: string | Properties, to?: PropertyValue | Callback, callback?: Callback): void;
  union(list: string | Record<string, PropertyValue>, values?: PropertyValue | Callback, callback?: Callback): void;
  unset(prop: string | string[], callback?: Callback): void;
  remove(list: string | Properties, value?: PropertyValue | Callback, callback?: Callback): void;
  delete(callback?: Callback): void;
}

type TrackArgs<E extends EventMap, K extends keyof E & string> = {} extends E[K]
  ? [properties?: E[K], optionsOrCallback?: TrackOptions | Callback, callback?: Callback]
  : [properties: E[K], optionsOrCallback?: TrackOptions | Callback, callback?: Callback];

/** The Mixpanel-compatible tracker. `E` maps event names to their properties. */
export interface Heed<E extends EventMap = EventMap> {
  /** Initialise this instance, or with `name` a named instance reachable as `heed[name]`. */
  init(token: string, config?: InitConfig, name?: string): Heed<E>;
  track<K extends keyof E & string>(event: K, ...args: TrackArgs<E, K>): void;
  track_pageview(properties?: Properties, callback?: Callback): void;
  identify(id: string): void;
  alias(alias: string, original?: string): void;
  reset(): void;
  get_distinct_id(): string | undefined;
  register(properties: Properties, options?: RegisterOptions | number): void;
  register_once(properties: Properties, defaultValue?: PropertyValue, options?: RegisterOptions | number): void;
  unregister(name: string, options?: RegisterOptions): void;
  get_property(name: string): PropertyValue | undefined;
  time_event(event: keyof E & string): void;
  set_config(config: InitConfig): void;
  get_config<K extends keyof Config>(key: K): Config[K];
  get_config(): Config;
  readonly people: PeopleApi;
  set_group(key: string, ids: PropertyValue, callback?: Callback): void;
  add_group(key: string, id: string | number, callback?: Callback): void;
  remove_group(key: string, id: string | number, callback?: Callback): void;
  get_group(key: string, id: string | number): GroupApi;
  opt_in_tracking(options?: OptInOptions): void;
  opt_out_tracking(options?: OptOutOptions): void;
  has_opted_in_tracking(): boolean;
  has_opted_out_tracking(): boolean;
  clear_opt_in_out_tracking(options?: ClearOptInOutOptions): void;
  /** Send everything queued now; resolves when the server acknowledged it. */
  flush(): Promise<void>;
  readonly consent: ConsentGate;
  /** Called on every change of the consent status; returns an unsubscribe function. */
  onConsentChange(listener: ConsentListener): () => void;
}
