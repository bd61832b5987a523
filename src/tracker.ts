import type { Callback, Config, EventMap, GroupApi, Heed, InitConfig, OptInOptions, OptOutOptions, Properties, PropertyValue, RegisterOptions, TrackOptions } from './types';
import type { Platform } from './platform';
import type { StoreFailure } from './storage/types';
import { DEFAULTS, apiBase } from './config';
import { createConsent, createGate, type Decision } from './consent';
import { DEVICE_PREFIX, createIdentity } from './identity';
import { createOutbox } from './outbox';
import { encode, endpointUrl, post, type TransportOptions } from './transport';
import { createPipeline } from './pipeline';
import { createDecisions } from './decisions';
import { groupApi, membership, peopleApi, type Update } from './people';
import { buildUpdate } from './event';
import { copyProps } from './properties';

const noop = () => undefined;

/** Build `createHeed` for one platform; the entry points call this once. */
export function trackerFactory(platform: Platform) {
  return function createHeed<E extends EventMap = EventMap>(): Heed<E> {
    return makeHeed<E>(platform);
  };
}

/** Everything `init` wires: stores, the consent machine, identity, outbox and the pipeline over them. */
function wire(platform: Platform, token: string, config: Config, gate: ReturnType<typeof createGate>, warn: (m: string) => void) {
  const report: StoreFailure = (kind, error) => warn(`${kind} unavailable, using memory: ${String(error)}`);
  let flagFailed = false;
  let signalled: boolean | undefined; // DNT and GPC do not change during a page's life: read once per configuration
  const flags = platform.store(config.opt_out_tracking_persistence_type, config.opt_out_tracking_cookie_prefix, config, (kind, e) => {
    flagFailed = true;
    report(kind, e);
  });
  const consent = createConsent({
    flag: flags,
    key: token,
    legacy: platform.legacyFlags && platform.legacyFlags(config, token, report),
    byDefault: () => config.opt_out_tracking_by_default,
    signal: () => (signalled === undefined ? (signalled = platform.signal(config)) : signalled),
    failed: () => flagFailed,
  });
  gate.use(consent);
  const identity = createIdentity(platform.store(config.persistence, `mp_${token}_`, config, report), gate.allowed);
  let transport: TransportOptions;
  const beacon = platform.beacon;
  const outbox = createOutbox({
    send: (endpoint, payloads, signal) => post(transport, endpoint, payloads, signal),
    beacon: beacon && ((endpoint, payloads) => beacon(endpointUrl(transport, endpoint), encode(payloads, transport.format))),
    store: platform.outbox && platform.outbox(token, report),
    online: platform.online,
    allowed: gate.allowed,
    warn,
  });
  const configure = () => {
    signalled = undefined;
    transport = { base: apiBase(config.api_host), format: config.api_payload_format, ip: config.ip };
    outbox.configure(config.batch_size, config.batch_flush_interval_ms, config.max_queued_events, config.batch_request_timeout_ms);
  };
  configure();
  const pipeline = createPipeline({ token, config, gate, identity, outbox, platform, warn });
  let announce: (data: unknown) => void = noop;
  const decisions = createDecisions({
    consent, gate, identity, outbox, purge: platform.purge, track: pipeline.track,
    announce: (d) => announce({ d }),
    deleteProfile: () =>
      void post(transport, 'engage', [buildUpdate(token, identity.target(), '$delete', '')]).catch((e: Error) => warn('profile deletion failed: ' + e.message)),
  });
  // Once allowed again: batches an earlier page left, and what a closed gate held back.
  gate.on((status) => void (status === 'granted' && outbox.restore().then(outbox.flush).catch(noop)));
  if (identity.load() && consent.decision() === '0') decisions.forget(true, 'api'); // a leftover from before an opt-out
  if (platform.lifecycle) {
    const send = () => void (gate.allowed() && outbox.flush().catch(noop));
    platform.lifecycle({ hidden: send, online: send, hide: () => outbox.beacon() });
  }
  if (platform.channel) {
    announce = platform.channel('heed:' + token, (data) => {
      const d = (data as { d?: Decision | null } | null)?.d;
      decisions.adopt(d === '1' || d === '0' ? d : undefined);
    });
  }
  if (gate.allowed()) void outbox.restore();
  const people = peopleApi(identity.target, pipeline.update);
  const identify = (id: string) => {
    if (typeof id !== 'string' || !id || id.indexOf(DEVICE_PREFIX) === 0) return warn('identify: the id must be a non-empty string not starting with "$device:"');
    const previous = identity.identify(id);
    if (previous !== undefined) pipeline.track('$identify', { distinct_id: id, $anon_distinct_id: previous });
  };
  const alias = (alias: string, original?: string) => {
    const from = original || identity.profile.distinct_id;
    if (typeof alias !== 'string' || !alias || alias === from) return warn('alias: a new, different id is required');
    pipeline.track('$create_alias', { alias, distinct_id: from });
    identify(alias);
  };
  return { consent, identity, outbox, pipeline, decisions, identify, alias, groups: membership(identity, people), configure, signal: () => platform.signal(config) };
}

type Core = ReturnType<typeof wire>;

function makeHeed<E extends EventMap>(platform: Platform): Heed<E> {
  let config: Config = { ...DEFAULTS, ...platform.defaults };
  let core: Core | undefined;
  const named = new Map<string, Heed<E>>();
  const warn = (message: string) => void (config.debug && console.warn('[heed] ' + message));
  const gate = createGate(warn);
  /** `f` once `init` has wired everything. Before, a call changes nothing: warned under `debug`, and one with a callback gets 0. */
  const ready =
    <A extends unknown[], R>(name: string, f: (c: Core, ...args: A) => R, callbackAt = -1) =>
    (...args: A): R | undefined =>
      core ? f(core, ...args) : void gate.admit(name, args[callbackAt] as Callback);
  const update: Update = (endpoint, target, op, value, callback) =>
    core ? core.pipeline.update(endpoint, target, op, value, callback) : void gate.admit(`${endpoint} ${op}`, callback);

  const heed = {
    init(token: string, initConfig?: InitConfig, name?: string): Heed<E> {
      if (name) {
        let instance = named.get(name);
        if (instance) return warn(`init: instance "${name}" exists already`), instance;
        named.set(name, (instance = makeHeed<E>(platform)));
        (heed as Record<string, unknown>)[name] = instance; // mixpanel's `mixpanel.<name>.track(...)`
        return instance.init(token, initConfig);
      }
      if (core) warn('init called twice; the second call is ignored');
      else if (typeof token !== 'string' || !token) console.error('[heed] init(token): a project token string is required; heed stays off');
      else {
        config = { ...config, ...(initConfig && typeof initConfig === 'object' ? initConfig : {}) };
        core = wire(platform, token, config, gate, warn);
      }
      return heed;
    },
    track: (event: string, props?: Properties, options?: TrackOptions | Callback, callback?: Callback) =>
      core ? core.pipeline.track(event, props, options, callback) : void gate.admit('track', typeof options === 'function' ? options : callback),
    track_pageview(props?: Properties, callback?: Callback) {
      heed.track('$mp_web_page_view', copyProps(props, 0, undefined, platform.pageview()), callback);
    },
    identify: ready('identify', (c, id: string) => c.identify(id)),
    alias: ready('alias', (c, alias: string, original?: string) => c.alias(alias, original)),
    reset: ready('reset', (c) => c.identity.reset()),
    get_distinct_id: () => core && core.identity.profile.distinct_id,
    register: ready('register', (c, props: Properties, options?: RegisterOptions | number) => c.identity.register(props, options)),
    register_once: ready('register_once', (c, props: Properties, dflt: PropertyValue = 'None', options?: RegisterOptions | number) =>
      c.identity.register(props, options, { dflt })),
    unregister: ready('unregister', (c, name: string, options?: RegisterOptions) => c.identity.unregister(name, options)),
    get_property: (name: string) => core && core.identity.get(name),
    time_event: ready('time_event', (c, event: string) => void (typeof event === 'string' && c.identity.time(event))),
    set_config(c: InitConfig) {
      if (c && typeof c === 'object') Object.assign(config, c);
      if (core) core.configure();
    },
    get_config: ((key?: keyof Config) => (key ? config[key] : { ...config })) as Heed<E>['get_config'],
    people: peopleApi(() => (core ? core.identity.target() : {}), update),
    set_group: ready('set_group', (c, key: string, ids: PropertyValue, cb?: Callback) => c.groups.set_group(key, ids, cb), 2),
    add_group: ready('add_group', (c, key: string, id: string | number, cb?: Callback) => c.groups.add_group(key, id, cb), 2),
    remove_group: ready('remove_group', (c, key: string, id: string | number, cb?: Callback) => c.groups.remove_group(key, id, cb), 2),
    get_group: (key: string, id: string | number): GroupApi => groupApi(key, id, update),
    // `options || {}`: null from JavaScript callers must still decide, not throw before the flag is written.
    opt_in_tracking: ready('opt_in_tracking', (c, options?: OptInOptions) => c.decisions.optIn(options || {})),
    opt_out_tracking: ready('opt_out_tracking', (c, options?: OptOutOptions) => c.decisions.optOut(options || {})),
    has_opted_in_tracking: () => !!core && core.consent.decision() === '1',
    has_opted_out_tracking: () => !!core && !gate.allowed(),
    clear_opt_in_out_tracking: ready('clear_opt_in_out_tracking', (c) => c.decisions.clear()),
    // While tracking is not allowed there is nothing to send: resolve at once, whatever is queued.
    flush: () => (core && gate.allowed() ? core.outbox.flush() : Promise.resolve()),
    consent: {
      status: gate.status,
      hold: ready('consent.hold', (_c, state?: 'pending' | 'denied', source: string = 'api', keep?: boolean) => {
        gate.hold(state, keep);
        gate.emit(source);
      }),
      own: () => ({ decision: core && core.consent.decision(), signal: !!core && core.signal() }),
    },
    onConsentChange: gate.on,
  } satisfies Heed<E>;
  return heed;
}
