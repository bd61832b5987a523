import type {
  Callback,
  Config,
  ConsentListener,
  ConsentSource,
  ConsentStatus,
  EventMap,
  GroupApi,
  Heed,
  InitConfig,
  OptInOptions,
  OptOutOptions,
  PeopleApi,
  Properties,
  PropertyValue,
  RegisterOptions,
  TrackOptions,
} from './types';
import type { AsyncStore, Store, StoreFailure } from './storage/types';
import { DEFAULTS, LIB_VERSION, apiBase } from './config';
import { createConsent, type Consent, type Decision, type LegacyFlag } from './consent';
import { PROFILE_KEY, DEVICE_PREFIX, anonymousProfile, insertIds, parseProfile, type Profile } from './identity';
import { copyProps, sanitize } from './properties';
import { createOutbox, type Outbox, type StoredBatch } from './outbox';
import { encode, endpointUrl, post, type Endpoint, type TransportOptions } from './transport';

/** What an entry point supplies: the platform's stores, signals and context. */
export interface Platform {
  /** A store for `persistence` / `opt_out_tracking_persistence_type` values under `prefix`. */
  store(kind: Config['persistence'], prefix: string, config: Config, onFailure: StoreFailure): Store;
  /** Where else a decision for `token` may be stored (the other persistence type, mixpanel-browser's `mp_optout`). */
  legacyFlags?(config: Config, token: string, onFailure: StoreFailure): LegacyFlag[];
  /** DNT / GPC / `DO_NOT_TRACK`, already filtered by `ignore_dnt` / `ignore_gpc`. */
  signal(config: Config): boolean;
  /** Device properties computed once per instance ($os, $browser, screen size, referrer). */
  context(): Properties;
  /** Properties computed per event ($current_url). */
  page(): Properties;
  /** Properties of a page view (title, path). */
  pageview(): Properties;
  /** Cross-tab messages for one token; returns a post function. */
  channel?(name: string, receive: (data: unknown) => void): (data: unknown) => void;
  /** Defaults that differ on this platform (e.g. larger batches in Node). */
  defaults?: InitConfig;
  /** Where the outbox persists batches for a token (IndexedDB, then localStorage, in browsers). */
  outbox?(token: string, onFailure: StoreFailure): AsyncStore<StoredBatch>;
  /** Remove what the platform keeps beyond the stores (an emptied IndexedDB database). */
  purge?(): Promise<unknown>;
  /** Hand a request to the browser as the page goes away (`sendBeacon`); true when it took it. */
  beacon?(url: string, body: string): boolean;
  /** False while the device is offline. */
  online?(): boolean;
  /** Page lifecycle: hidden (send now), hide (beacon what is left), back online (send now). */
  lifecycle?(on: { hidden(): void; hide(): void; online(): void }): void;
}

const noop = () => undefined;
const PERSISTENT: RegisterOptions = { persistent: true };

/** Build `createHeed` for one platform; the entry points call this once. */
export function trackerFactory(platform: Platform) {
  return function createHeed<E extends EventMap = EventMap>(): Heed<E> {
    return makeHeed<E>(platform);
  };
}

function makeHeed<E extends EventMap>(platform: Platform): Heed<E> {
  let token = '';
  let config: Config = { ...DEFAULTS };
  let consent: Consent | undefined;
  let profiles: Store;
  let outbox: Outbox;
  let transport: TransportOptions;
  let profile: Profile = anonymousProfile();
  let session: Properties = {}; // non-persistent super properties
  let context: Properties = {};
  let announce: (data: unknown) => void = noop;
  let flagFailed = false;
  let signalled: boolean | undefined;
  const listeners: ConsentListener[] = [];
  // A consent source's hold (heed/consent, issue #6), never persisted: 'pending' while its CMP has not
  // answered (track() calls wait in `waiting`), 'denied' for this page view after a CMP error.
  let held: 'pending' | 'denied' | undefined;
  let keep: boolean | undefined;
  let waiting: Array<[number, string, Properties, TrackOptions | Callback | undefined, Callback | undefined]> = [];
  let shown: ConsentStatus = 'pending'; // the status listeners were last told
  const nextInsertId = insertIds();

  const warn = (message: string) => {
    if (config.debug) console.warn('[heed] ' + message);
  };


  /** True when the call may go on; otherwise reports why and calls back with 0. */
  const gate = (what: string, callback?: Callback): boolean => {
    if (allowed()) return true;
    warn(`${what} dropped: ${consent ? 'tracking is not allowed (consent ' + status() + ')' : 'init() was not called'}`);
    if (typeof callback === 'function') callback(0);
    return false;
  };

  const status = (): ConsentStatus => {
    try {
      return held || (consent ? consent.status() : 'pending');
    } catch {
      return 'pending';
    }
  };

  /** The gate. Fails closed: before init, during a hold, or if anything throws, `status()` is not 'granted'. */
  const allowed = (): boolean => status() === 'granted';

  /** Tell the listeners when the status the gate uses changed, and who changed it. */
  const emit = (source: ConsentSource) => {
    const next = status();
    if (next === shown) return;
    shown = next;
    if (next === 'granted') void outbox.restore(); // batches an earlier page left for this token
    for (const l of listeners.slice()) {
      try {
        l(next, source);
      } catch (e) {
        warn('onConsentChange listener threw: ' + String(e));
      }
    }
  };

  /** End a hold: the waiting track() calls (at most 30 s old) go through the gate again, or are dropped. */
  const drain = (replay: boolean | undefined) => {
    const calls = waiting;
    waiting = [];
    for (const [at, event, props, options, callback] of calls) {
      if (replay && Date.now() - at < 3e4) track(event, props, options, callback);
      else if (typeof callback === 'function') callback(0);
    }
  };

  /** Persist the profile, only while tracking is allowed. */
  const save = () => {
    if (allowed()) profiles.set(PROFILE_KEY, JSON.stringify(profile));
  };

  /** Forget everything held for this token: queued events, stored state, in-memory identity. */
  const purge = (storage: boolean) => {
    const cleared = outbox.clear(storage);
    if (storage) {
      profiles.remove(PROFILE_KEY);
      if (platform.purge) cleared.then(platform.purge);
      profile = anonymousProfile();
      session = {};
    }
  };

  const instance = {} as Heed<E> & Record<string, unknown>;

  function init(newToken: string, initConfig?: InitConfig, name?: string): Heed<E> {
    if (name) {
      if (instance[name]) {
        warn(`init: instance "${name}" exists already`);
        return instance[name] as Heed<E>;
      }
      const named = makeHeed<E>(platform);
      instance[name] = named;
      return named.init(newToken, initConfig);
    }
    if (consent) {
      warn('init called twice; the second call is ignored');
      return instance;
    }
    if (typeof newToken !== 'string' || !newToken) {
      console.error('[heed] init(token): a project token string is required; heed stays off');
      return instance;
    }
    token = newToken;
    config = { ...DEFAULTS, ...platform.defaults, ...(initConfig && typeof initConfig === 'object' ? initConfig : {}) };
    const report: StoreFailure = (kind, error) => warn(`${kind} unavailable, using memory: ${String(error)}`);
    const flagStore = platform.store(config.opt_out_tracking_persistence_type, config.opt_out_tracking_cookie_prefix, config, (kind, error) => {
      flagFailed = true;
      report(kind, error);
    });
    profiles = platform.store(config.persistence, `mp_${token}_`, config, report);
    consent = createConsent({
      flag: flagStore,
      key: token,
      legacy: platform.legacyFlags && platform.legacyFlags(config, token, report),
      byDefault: () => config.opt_out_tracking_by_default,
      // DNT and GPC do not change during a page's life: read them once per configuration.
      signal: () => (signalled === undefined ? (signalled = platform.signal(config)) : signalled),
      failed: () => flagFailed,
      onChange: (_next, source) => emit(source),
    });
    shown = status();
    const beacon = platform.beacon;
    outbox = createOutbox({
      send: (endpoint, payloads, signal) => post(transport, endpoint, payloads, signal),
      beacon: beacon && ((endpoint, payloads) => beacon(endpointUrl(transport, endpoint), encode(payloads, transport.format))),
      store: platform.outbox && platform.outbox(token, report),
      online: platform.online,
      warn,
    });
    applyConfig();
    if (platform.lifecycle) {
      const send = () => void outbox.flush().catch(noop);
      platform.lifecycle({ hidden: send, online: send, hide: () => outbox.beacon() });
    }
    context = platform.context();
    const decision = consent.decision();
    const stored = parseProfile(profiles.get(PROFILE_KEY));
    if (decision === '0' && stored) purge(true); // a leftover from before the opt-out
    else if (stored) profile = stored;
    save();
    if (platform.channel) {
      announce = platform.channel('heed:' + token, (data) => {
        const d = (data as { d?: Decision | null } | null)?.d;
        consent!.adopt(d === '1' || d === '0' ? d : undefined, 'tab');
        if (!allowed()) {
          // The other tab purged the stores; clearing ours too fences off this tab's late writes.
          purge(true);
        }
      });
    }
    if (allowed()) void outbox.restore();
    return instance;
  }

  function applyConfig() {
    signalled = undefined;
    transport = { base: apiBase(config.api_host), format: config.api_payload_format, ip: config.ip };
    outbox.configure(config.batch_size, config.batch_flush_interval_ms, config.max_queued_events, config.batch_request_timeout_ms);
  }

  function eventProperties(event: string, props: unknown): Properties {
    // One object filled by for-in loops: spreads of four objects cost several times more in V8.
    const p: Properties = {};
    const page = platform.page();
    for (const key in context) p[key] = context[key];
    for (const key in page) p[key] = page[key];
    for (const key in profile) if (key[0] !== '_' || key[1] !== '_') p[key] = profile[key];
    for (const key in session) p[key] = session[key];
    copyProps(props, 0, undefined, p);
    p.token = token;
    if (p.distinct_id === undefined) p.distinct_id = profile.distinct_id;
    p.$device_id = profile.$device_id;
    if (profile.$user_id !== undefined && p.$user_id === undefined) p.$user_id = profile.$user_id;
    if (p.time === undefined) p.time = Date.now();
    if (p.$insert_id === undefined) p.$insert_id = nextInsertId();
    p.mp_lib = 'heed';
    p.$lib_version = LIB_VERSION;
    const timers = profile.__timers as Record<string, number> | undefined;
    if (timers && timers[event] !== undefined) {
      p.$duration = Math.round(Date.now() - timers[event]) / 1000;
      delete timers[event];
      save();
    }
    for (const key of config.property_blacklist) delete p[key];
    return p;
  }

  function track(event: string, props?: unknown, optionsOrCallback?: TrackOptions | Callback, cb?: Callback): void {
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : cb;
    if (typeof event !== 'string' || !event) {
      warn('track: the event name must be a non-empty string');
      if (typeof callback === 'function') callback(0);
      return;
    }
    if (held === 'pending') {
      // A consent source waits for its CMP: keep the call in memory only, with its time and page (issue #6).
      if (waiting.length < 100) waiting.push([Date.now(), event, { ...platform.page(), time: Date.now(), ...copyProps(props) }, optionsOrCallback, callback]);
      else if (typeof callback === 'function') callback(0);
      return;
    }
    if (!gate(`track("${event}")`, callback)) return;
    const options = typeof optionsOrCallback === 'object' && optionsOrCallback ? optionsOrCallback : undefined;
    const payload = { event: event.slice(0, 255), properties: eventProperties(event, props) };
    outbox.add('track', payload, typeof callback === 'function' ? callback : undefined, !!options?.send_immediately);
  }

  /** One profile (`engage`) or group (`groups`) update, gated like every send. */
  function update(endpoint: Endpoint, target: Properties, op: string, value: PropertyValue, callback?: Callback) {
    if (!gate(`${endpoint} ${op}`, callback)) return;
    outbox.add(endpoint, { $token: token, ...target, [op]: value }, typeof callback === 'function' ? callback : undefined);
  }

  const personTarget = (): Properties => {
    const t: Properties = { $distinct_id: profile.distinct_id, $device_id: profile.$device_id };
    if (profile.$user_id !== undefined) t.$user_id = profile.$user_id;
    return t;
  };

  /** Mixpanel's `(prop, value, cb)` or `({prop: value}, cb)` argument shapes. */
  function pairs(prop: unknown, value: unknown, callback: unknown, map?: (v: PropertyValue) => PropertyValue | undefined): [Properties, Callback | undefined] {
    let props: Properties;
    if (prop && typeof prop === 'object') {
      props = copyProps(prop);
      callback = value;
    } else if (typeof prop === 'string') {
      const v = sanitize(value);
      props = v === undefined ? {} : { [prop]: v };
    } else props = {};
    if (map) {
      for (const key in props) {
        const v = map(props[key] as PropertyValue);
        if (v === undefined) delete props[key];
        else props[key] = v;
      }
    }
    return [props, typeof callback === 'function' ? (callback as Callback) : undefined];
  }

  const asList = (v: PropertyValue): PropertyValue => (Array.isArray(v) ? v : [v]);
  const numeric = (v: PropertyValue) => (typeof v === 'number' ? v : undefined);
  const names = (prop: unknown): string[] =>
    (Array.isArray(prop) ? prop : [prop]).filter((n): n is string => typeof n === 'string');

  /** The operations shared by people and groups, bound to one target. */
  function operations(endpoint: Endpoint, target: () => Properties) {
    const op = (name: string, map?: (v: PropertyValue) => PropertyValue | undefined) =>
      (prop: unknown, value?: unknown, callback?: Callback) => {
        const [props, cb] = pairs(prop, value, callback, map);
        update(endpoint, target(), name, props, cb);
      };
    return {
      set: op('$set'),
      set_once: op('$set_once'),
      union: op('$union', asList),
      remove: op('$remove'),
      append: op('$append'),
      increment: (prop: unknown, by?: unknown, callback?: Callback) => {
        const [props, cb] =
          typeof prop === 'string'
            ? pairs(prop, typeof by === 'number' ? by : 1, typeof by === 'function' ? by : callback, numeric)
            : pairs(prop, by, callback, numeric);
        update(endpoint, target(), '$add', props, cb);
      },
      unset: (prop: unknown, callback?: Callback) => update(endpoint, target(), '$unset', names(prop), callback),
    };
  }

  const peopleOps = operations('engage', personTarget);
  const people: PeopleApi = {
    ...peopleOps,
    delete_user: (callback?: Callback) => update('engage', personTarget(), '$delete', '', callback),
  };

  function register(props: Properties, options?: RegisterOptions | number, once?: { dflt: PropertyValue }) {
    if (!consent) return void warn('register before init is ignored');
    const persistent = typeof options === 'object' && options ? options.persistent !== false : true;
    const target: Properties = persistent ? profile : session;
    const clean = copyProps(props);
    for (const key in clean) {
      if (once && target[key] !== undefined && target[key] !== once.dflt) continue;
      target[key] = clean[key];
    }
    if (persistent) save();
  }

  function identify(id: string) {
    if (!consent) return void warn('identify before init is ignored');
    if (typeof id !== 'string' || !id || id.indexOf(DEVICE_PREFIX) === 0) {
      return void warn('identify: the id must be a non-empty string not starting with "$device:"');
    }
    const previous = profile.distinct_id;
    if (id === previous && profile.$user_id === id) return;
    profile.distinct_id = id;
    profile.$user_id = id;
    save();
    if (id !== previous) track('$identify', { distinct_id: id, $anon_distinct_id: previous });
  }

  function groupList(key: string): PropertyValue[] {
    const v = profile[key];
    return Array.isArray(v) ? v.slice() : v === undefined || v === null ? [] : [v as PropertyValue];
  }

  Object.assign(instance, {
    init,
    track,
    track_pageview(props?: Properties, callback?: Callback) {
      track('$mp_web_page_view', { ...platform.pageview(), ...copyProps(props) }, callback);
    },
    identify,
    alias(alias: string, original?: string) {
      if (!consent) return void warn('alias before init is ignored');
      const from = original || profile.distinct_id;
      if (typeof alias !== 'string' || !alias || alias === from) return void warn('alias: a new, different id is required');
      track('$create_alias', { alias, distinct_id: from });
      identify(alias);
    },
    reset() {
      if (!consent) return void warn('reset before init is ignored');
      profile = anonymousProfile();
      session = {};
      save();
    },
    get_distinct_id: () => (consent ? profile.distinct_id : undefined),
    register: (props: Properties, options?: RegisterOptions | number) => register(props, options),
    register_once(props: Properties, dflt: PropertyValue = 'None', options?: RegisterOptions | number) {
      register(props, options, { dflt });
    },
    unregister(name: string, options: RegisterOptions = PERSISTENT) {
      if (!consent) return;
      if (options && options.persistent === false) delete session[name];
      else {
        delete profile[name];
        save();
      }
    },
    get_property: (name: string) => (name in session ? session[name] : profile[name]),
    time_event(event: string) {
      if (!consent || typeof event !== 'string') return;
      const timers = (profile.__timers || (profile.__timers = {})) as Record<string, number>;
      timers[event] = Date.now();
      save();
    },
    set_config(c: InitConfig) {
      if (c && typeof c === 'object') config = { ...config, ...c };
      if (consent) applyConfig();
    },
    get_config: ((key?: keyof Config) => (key ? config[key] : { ...config })) as Heed<E>['get_config'],
    people,
    set_group(key: string, ids: PropertyValue, callback?: Callback) {
      const list = asList(ids) as PropertyValue[];
      register({ [key]: list });
      people.set({ [key]: list }, callback);
    },
    add_group(key: string, id: string | number, callback?: Callback) {
      const list = groupList(key);
      if (list.indexOf(id) < 0) register({ [key]: list.concat(id) });
      people.union({ [key]: [id] }, callback);
    },
    remove_group(key: string, id: string | number, callback?: Callback) {
      const list = groupList(key);
      const i = list.indexOf(id);
      if (i >= 0) {
        list.splice(i, 1);
        register({ [key]: list });
      }
      people.remove({ [key]: id }, callback);
    },
    get_group(key: string, id: string | number): GroupApi {
      const ops = operations('groups', () => ({ $group_key: key, $group_id: id }));
      return {
        set: ops.set,
        set_once: ops.set_once,
        union: ops.union,
        unset: ops.unset,
        remove: ops.remove,
        delete: (callback?: Callback) => update('groups', { $group_key: key, $group_id: id }, '$delete', '', callback),
      };
    },
    opt_in_tracking(options?: OptInOptions) {
      if (!consent) return void warn('opt_in_tracking before init is ignored');
      options = options || {}; // null from JavaScript callers too: an app-facing call must not throw
      const source = options.source || 'api';
      const returning = consent.decision() === '1';
      held = undefined; // a decision ends a consent source's hold
      consent.set('1', source);
      emit(source);
      save();
      announce({ d: '1' });
      drain(keep || returning);
      const trackOption = options.track;
      if (trackOption === false) return;
      const name = options.track_event_name || '$opt_in';
      if (typeof trackOption === 'function') trackOption(name, options.track_properties);
      else track(name, options.track_properties, { send_immediately: true });
    },
    opt_out_tracking(options?: OptOutOptions) {
      if (!consent) return void warn('opt_out_tracking before init is ignored');
      options = options || {}; // null must still opt out, not throw before the flag is written
      held = undefined;
      drain(false);
      if (options.delete_user !== false && allowed() && profile.$user_id !== undefined) {
        // Sent directly, outside the outbox that is about to be cleared: the only request opt-out makes.
        post(transport, 'engage', [{ $token: token, ...personTarget(), $delete: '' }]).catch((e: unknown) =>
          warn(`profile deletion failed: ${(e as Error).message}`),
        );
      }
      consent.set('0', options.source || 'api');
      emit(options.source || 'api');
      purge(options.clear_persistence !== false);
      announce({ d: '0' });
    },
    has_opted_in_tracking: () => !!consent && consent.decision() === '1',
    has_opted_out_tracking: () => !!consent && status() !== 'granted',
    clear_opt_in_out_tracking() {
      if (!consent) return;
      consent.set(undefined, 'api');
      if (!allowed()) purge(true);
      else save(); // allowed again (no decision means granted): store the identity, as init does
      announce({ d: null });
    },
    flush: () => (consent ? outbox.flush() : Promise.resolve()),
    consent: {
      status,
      hold(state?: 'pending' | 'denied', source: ConsentSource = 'api', keepOnGrant?: boolean) {
        if (!consent) return;
        held = state;
        if (state === 'pending') keep = keepOnGrant;
        else drain(!state);
        emit(source);
      },
      own: () => ({ decision: consent && consent.decision(), signal: !!consent && platform.signal(config) }),
    },
    onConsentChange(listener: ConsentListener) {
      listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
      };
    },
  });
  return instance;
}
