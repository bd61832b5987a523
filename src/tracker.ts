import type { Callback, Config, DenyOptions, DomProperties, DomQuery, EventMap, GrantOptions, GroupApi, Heed, HookFunction, HookName, InitConfig, OptInOptions, OptOutOptions, Properties, PropertyValue, PurposeList, PushItem, RegisterOptions, TrackOptions } from './types';
import type { Platform } from './platform';
import { defaults, noop } from './config';
import { createGate, type Gate } from './consent';
import { hostFor } from './transport';
import { groupApi, peopleApi, type Update } from './people';
import { copyProps, propName } from './properties';
import { pageview, start, wire, type Core } from './wire';
import { P, show } from './intrinsics';

/** Where a method's callback is: a call before `init` gives it 0. */
const CALLBACK_AT: Record<string, number> = { track_pageview: 1, track_with_groups: 3, set_group: 2, add_group: 2, remove_group: 2 };

type CoreMethods = Record<string, (c: Core, ...args: never[]) => unknown>;
/** `table`'s methods as the app calls them: `(c, ...args) => r` becomes `(...args) => r | undefined`. */
type Wired<T> = { [K in keyof T]: T[K] extends (c: Core, ...args: infer A) => infer R ? (...args: A) => R | undefined : never };

/** Build `createHeed` for one platform; the entry points call this once. */
export function trackerFactory(platform: Platform) {
  return function createHeed<E extends EventMap = EventMap>(): Heed<E> {
    return makeHeed<E>(platform);
  };
}

/**
 * Take `given` into `config` an option at a time (a getter that throws loses its own option), with
 * one warning for each option heed does not know (typos, and mixpanel-browser's refused ones: see
 * {@link RefusedConfig}).
 */
function takeOptions(config: Config, given: unknown, warn: (m: string) => void, known: object): InitConfig {
  const taken: InitConfig = {};
  if (!given || typeof given !== 'object') return taken;
  const problems: string[] = [];
  for (const key of Object.keys(given)) {
    try {
      (config as unknown as Record<string, unknown>)[key] = (taken as Record<string, unknown>)[key] = (given as Record<string, unknown>)[key];
    } catch (e) {
      problems.push(`option "${key}" could not be read (${show(e)})`);
    }
  }
  // Told once the whole configuration (`debug` included) is in.
  for (const key in taken) if (!(key in known)) warn(`option "${key}" is not supported by heed and is ignored (README: Migrating from mixpanel-browser)`);
  problems.forEach(warn);
  if (taken.opt_out_persistence_by_default === false) warn('opt_out_persistence_by_default: false is refused: heed stores nothing before consent');
  return taken;
}

/**
 * App-facing calls never throw (a page's hostile input, a broken global): whatever escapes a part
 * is reported under `debug`, and the call returns `undefined` (`flush` resolves).
 */
function shield<T extends object>(o: T, warn: (m: string) => void, skip?: string): T {
  for (const key of Object.keys(o)) {
    const f = (o as Record<string, unknown>)[key];
    if (typeof f !== 'function' || key === skip) continue;
    (o as Record<string, unknown>)[key] = function (this: unknown, ...args: unknown[]) {
      try {
        return (f as (...a: unknown[]) => unknown).apply(this, args);
      } catch (e) {
        warn(`${key}() failed: ${show(e)}`);
        return key === 'flush' ? P.resolve() : undefined;
      }
    };
  }
  return o;
}

/** `debug` warnings and the app's `error_reporter`, for one instance's config. */
function reporter(config: Config): (message: string) => void {
  return (message) => {
    if (config.debug) console.warn('[heed] ' + message);
    try {
      if (typeof config.error_reporter === 'function') config.error_reporter(message);
    } catch {
      // the app's reporter failing is no reason for the app's call to fail
    }
  };
}

/**
 * `track_links` / `track_forms`: the event goes with a beacon, which survives the navigation, so
 * the click is not held back (mixpanel-browser waits `track_links_timeout`).
 */
const domTracker = (platform: Platform, kind: 'click' | 'submit', track: (event: string, props: Properties) => void) =>
  (query: DomQuery, event: string, props?: DomProperties): boolean =>
    !!platform.listen && platform.listen(kind, query, (el) => {
      const p: Properties = { ...(typeof props === 'function' ? props(el) : props) };
      const href = kind === 'click' && (el as HTMLAnchorElement).href;
      if (href) p.url = href;
      track(event, p);
    });

/** `heed.consent`: the gate's status, holds and records, and per-purpose decisions once `init` wired them. */
function consentApi(gate: Gate, ready: <T extends CoreMethods>(table: T, prefix?: string) => Wired<T>, config: Config, signal: () => boolean) {
  return {
    status: gate.status,
    ...ready(
      {
        hold: (_c, state?: 'pending' | 'denied', source: string = 'api', keep?: boolean, purposes?: readonly string[]) => {
          gate.hold(state, keep, purposes);
          gate.emit(source);
        },
        grant: (c, purposes?: PurposeList, options?: GrantOptions) => c.decisions.grant(purposes, options || {}),
        deny: (c, purposes?: PurposeList, options?: DenyOptions) => c.decisions.deny(purposes, options || {}),
      },
      'consent.',
    ),
    own: () => gate.own(signal()),
    purposes: () => config.purposes.slice(),
    records: gate.records,
  };
}

/** The Mixpanel methods that need `init`: each takes the wired core first (see `ready` in makeHeed). */
const coreMethods = (platform: Platform) => ({
  track_pageview: (c, props?: Properties, options?: { event_name?: string } | Callback) => pageview(c, platform, props, options),
  track_with_groups: (c, event: string, props: Properties, ids: Record<string, PropertyValue>, callback?: Callback) =>
    c.pipeline.track(event, { ...copyProps(props), ...copyProps(ids) }, callback),
  identify: (c, id: string | number) => c.calls.identify(id),
  alias: (c, alias: string, original?: string) => c.calls.alias(alias, original),
  reset: (c) => c.identity.reset(),
  register: (c, props: Properties, options?: RegisterOptions | number) => c.calls.register(props, options),
  register_once: (c, props: Properties, dflt?: PropertyValue, options?: RegisterOptions | number) => c.calls.register_once(props, dflt, options),
  unregister: (c, name: string, options?: RegisterOptions) => c.calls.unregister(name, options),
  name_tag: (c, tag: string) => c.calls.register({ mp_name_tag: tag }),
  time_event: (c, event: string) => void (typeof event === 'string' && c.identity.time(event)),
  disable: (c, events?: string[]) => void (c.state.disabled = Array.isArray(events) && c.state.disabled !== true ? c.state.disabled.concat(events) : true),
  enable: (c, events?: string[]) => void (c.state.disabled = Array.isArray(events) && c.state.disabled !== true ? c.state.disabled.filter((e) => events.indexOf(e) < 0) : []),
  set_group: (c, key: string, ids: PropertyValue, cb?: Callback) => c.groups.set_group(key, ids, cb),
  add_group: (c, key: string, id: string | number, cb?: Callback) => c.groups.add_group(key, id, cb),
  remove_group: (c, key: string, id: string | number, cb?: Callback) => c.groups.remove_group(key, id, cb),
  add_hook: (c, name: HookName, hook: HookFunction) => c.hooks.add(name, hook),
  remove_hook: (c, name: HookName, hook: HookFunction) => c.hooks.remove(name, hook),
  start_batch_senders: (c) => {
    c.state.auto = c.state.batching = true;
    c.outbox.start();
  },
  stop_batch_senders: (c) => {
    c.state.batching = false; // each later call is sent at once; nothing queued is dropped
    if (c.gate.allowed()) c.outbox.flush().catch(noop);
  },
  // `options || {}`: null from JavaScript callers must still decide, not throw before the flag is written.
  opt_in_tracking: (c, options?: OptInOptions) => c.decisions.grant(undefined, options || {}),
  opt_out_tracking: (c, options?: OptOutOptions) => c.decisions.deny(undefined, options || {}),
  clear_opt_in_out_tracking: (c) => c.decisions.clear(),
}) satisfies CoreMethods;

function makeHeed<E extends EventMap>(platform: Platform): Heed<E> {
  const config: Config = { ...defaults(), ...platform.defaults };
  const known = { ...config }; // the options this platform takes
  let core: Core | undefined;
  const named = new Map<string, Heed<E>>();
  const warn = reporter(config);
  const gate = createGate(warn);
  /** `table`'s methods once `init` has wired everything. Before, a call changes nothing: warned under `debug`, and one with a callback gets 0. */
  const ready = <T extends CoreMethods>(table: T, prefix = ''): Wired<T> => {
    const wired: Record<string, unknown> = {};
    for (const name in table) {
      const f: (c: Core, ...args: never[]) => unknown = table[name];
      wired[name] = (...args: never[]) => (core ? f(core, ...args) : void gate.admit(prefix + name, args[CALLBACK_AT[name]]));
    }
    return wired as Wired<T>;
  };
  const update: Update = (endpoint, target, op, value, callback) =>
    core ? core.pipeline.update(endpoint, target, op, value, callback) : void gate.admit(`${endpoint} ${op}`, callback);
  const people = peopleApi(() => (core ? core.identity.target() : {}), update, warn);
  const dom = (kind: 'click' | 'submit') => domTracker(platform, kind, (event, p): void => void heed.track(event, p, { transport: 'sendBeacon' }));
  const refused = (name: string) => () => warn(`${name}() does nothing: heed has no session recording`);

  const heed = {
    init(token: string, initConfig?: InitConfig, name?: string): Heed<E> {
      if (name !== undefined && typeof name !== 'string') return warn('init: an instance name must be a string'), heed;
      if (name) {
        let instance = named.get(name);
        if (instance) return warn(`init: instance "${name}" exists already`), instance;
        named.set(name, (instance = makeHeed<E>(platform)));
        (heed as Record<string, unknown>)[name] = instance; // mixpanel's `mixpanel.<name>.track(...)`
        return instance.init(token, initConfig);
      }
      if (core) warn('init called twice; the second call is ignored');
      else if (!token || propName(token) !== token) console.error('[heed] init(token): a project token (1 to 255 characters of text) is required; heed stays off');
      else {
        takeOptions(config, initConfig, warn, known);
        config.token = token;
        core = wire(platform, token, config, gate, warn);
        start(core, platform, config, heed as Heed);
      }
      return heed;
    },
    track(event: string, props?: Properties, options?: TrackOptions | Callback, callback?: Callback) {
      // Shielded here rather than by shield(): the hot path stays one call.
      try {
        return core ? core.pipeline.track(event, props, options, callback) : void gate.admit('track', typeof options === 'function' ? options : callback);
      } catch (e) {
        return warn('track() failed: ' + show(e)), undefined;
      }
    },
    // The methods that need `init` (see ready).
    ...ready(coreMethods(platform)),
    // The listeners can go on before init: a click is tracked (and gated) when it happens.
    track_links: dom('click'),
    track_forms: dom('submit'),
    get_distinct_id: () => core && core.identity.profile.distinct_id,
    get_property: (name: string) => core && core.identity.get(name),
    set_config(c: InitConfig) {
      const taken = takeOptions(config, c, warn, known);
      if (core) core.configure(), 'hooks' in taken && core.hooks.use(config.hooks);
    },
    get_config: ((key?: keyof Config) => (key ? config[key] : { ...config })) as Heed<E>['get_config'],
    get_api_host: (kind: 'events' | 'people' | 'groups' | 'track' | 'engage' = 'events') =>
      hostFor(config, kind === 'events' ? 'track' : kind === 'people' ? 'engage' : kind),
    people,
    get_group: (key: string, id: string | number): GroupApi => shield(groupApi(key, id, update, warn), warn),
    push: (item: PushItem | (() => void)) => {
      if (typeof item === 'function') return void item.call(heed);
      const method = Array.isArray(item) && (heed as unknown as Record<string, unknown>)[item[0]];
      if (typeof method === 'function') method.apply(heed, item.slice(1));
      else warn(`push: ${show(item && item[0])} is not a method`);
    },
    has_opted_in_tracking: () => !!core && core.consent.decision() === '1',
    has_opted_out_tracking: () => !!core && !gate.allowed(),
    start_session_recording: refused('start_session_recording'),
    stop_session_recording: refused('stop_session_recording'),
    // While tracking is not allowed there is nothing to send: resolve at once, whatever is queued.
    // After a microtask: what the same task tracks after flush() goes with it.
    flush: () => (core && gate.allowed() ? P.resolve().then(core.outbox.flush) : P.resolve()),
    consent: consentApi(gate, ready, config, () => !!core && core.signal()),
    onConsentChange: gate.on,
  } satisfies Heed<E>;
  shield(heed.people, warn);
  shield(heed.consent, warn);
  if (platform.methods) Object.assign(heed, shield(platform.methods(heed as Heed, () => core, warn), warn));
  return shield(heed, warn, 'track');
}
