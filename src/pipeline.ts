import type { Callback, Config, Properties, PropertyValue, TrackedEvent, TrackOptions } from './types';
import type { Gate } from './consent';
import type { Identity } from './identity';
import type { Done, Outbox } from './outbox';
import type { Hooks } from './hooks';
import type { Platform } from './platform';
import type { Endpoint } from './transport';
import { insertIds } from './identity';
import { purposesIn } from './consent';
import { BASE_KEYS, baseProperties, buildEvent, buildUpdate, type EventOptions, type MixpanelEvent } from './event';
import { campaign } from './attribution';
import { MAX_KEYS, copyProps } from './properties';
import { now, show } from './intrinsics';

export interface PipelineParts {
  token: string;
  config: Config;
  gate: Gate;
  identity: Identity;
  outbox: Outbox;
  hooks: Hooks;
  platform: Pick<Platform, 'context' | 'page' | 'people'>;
  /** Events `disable()` turned off. */
  disabled(event: string): boolean;
  /** Hand one item to `navigator.sendBeacon` now; false when there is none or it refused. */
  beacon(endpoint: Endpoint, item: object): boolean;
  /** False after `stop_batch_senders()`: each call is sent at once. */
  batching(): boolean;
  /** Node's own stages (server/stages.ts); a browser has neither. */
  server?: ServerStages;
  warn(message: string): void;
}

export interface ServerStages {
  /** Builds each event instead of `buildEvent`, timers included: events for other people too. */
  build(base: Properties, event: string, props: unknown, o: EventOptions, options?: InternalOptions): MixpanelEvent;
  /** The last stage before the outbox (the suppression list): true when it dropped the item and called back. */
  refuse(endpoint: Endpoint, item: object, callback?: Callback): boolean;
}

/**
 * What heed itself passes: `skip_hooks` for its `$identify` / `$create_alias` (mixpanel-browser
 * runs no hooks on them); Node's `forRequest` adds its own (server/stages.ts).
 */
export type InternalOptions = TrackOptions & { skip_hooks?: boolean };

/** The callback the outbox calls, in the shape the app asked for (`verbose`: `{status, error}`). */
const done = (callback: Callback | undefined, verbose: boolean): Done | undefined =>
  typeof callback !== 'function'
    ? undefined
    : verbose
      ? (result, error) => callback(result ? { status: 1, error: null } : { status: 0, error: error || 'not sent' })
      : callback;

/**
 * Every item heed sends goes one way, top to bottom:
 *   gate (allowed now, or kept while a CMP loads) -> before_track -> build (one Mixpanel payload)
 *   -> before_send_* (the hooks stage) -> outbox (queued, persisted, sent) or, per call, a beacon.
 * Each returns what it queued, or `undefined` when it was refused or dropped.
 */
export function createPipeline(x: PipelineParts) {
  const { token, config, gate, identity, outbox, hooks, platform } = x;
  const nextInsertId = insertIds();
  const shared = sharedProperties(x);
  const peopleInfo = platform.people ? platform.people() : {};

  /** Queue (or beacon) one item that passed the gate and the hooks. */
  const enqueue = <T extends object>(endpoint: Endpoint, item: T, callback: Callback | undefined, options?: TrackOptions): T | undefined => {
    if (x.server && x.server.refuse(endpoint, item, callback)) return undefined;
    const cb = done(callback, config.verbose);
    const beacon = (options && options.transport === 'sendBeacon') || config.api_transport === 'sendBeacon';
    if (beacon && x.beacon(endpoint, item)) cb && cb(1);
    else outbox.add(endpoint, item, cb, !config.batch_requests || !x.batching() || !!(options && (options.send_immediately || beacon)));
    return item;
  };

  function track(event: string, props?: unknown, optionsOrCallback?: InternalOptions | Callback, cb?: Callback): TrackedEvent | undefined {
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : cb;
    const options = typeof optionsOrCallback === 'object' && optionsOrCallback ? optionsOrCallback : undefined;
    if (typeof event !== 'string' || !event || x.disabled(event)) {
      x.warn(`track(${show(event)}): ${typeof event === 'string' && event ? 'the event is disabled' : 'the event name must be a non-empty string'}`);
      if (typeof callback === 'function') callback(0);
      return undefined;
    }
    // Without a purpose the event serves the first one (checked when configured): no per-call check.
    const given = options && options.purpose;
    const purpose = given === undefined ? config.purposes[0] : (purposesIn(config, given, `track("${event}")`, x.warn) || [])[0];
    if (!purpose) return void (typeof callback === 'function' && callback(0));
    if (gate.waiting()) {
      // A consent source waits for its CMP: the call waits in memory, with the time and page it was made on.
      const kept = { ...platform.page(), time: now(), ...copyProps(props) };
      gate.wait(() => track(event, kept, optionsOrCallback, cb), callback);
      return undefined;
    }
    // The refusal's label is only built for a refusal: the allowed path stays free of it.
    if (!gate.allowed(purpose) && !gate.admit(`track("${event}")`, callback, purpose)) return undefined;
    const skip = (options && options.skip_hooks) || !hooks.any();
    if (!skip) {
      const asked = hooks.run('before_track', event, props);
      if (!asked || typeof asked[0] !== 'string' || !asked[0]) return undefined;
      event = asked[0];
      props = asked[1];
    }
    const base = shared();
    const build: ServerStages['build'] = x.server ? x.server.build : buildEvent;
    const built = build(base.properties, event, props, {
      time: now(),
      insertId: nextInsertId(),
      // Node's builder times its own events: one for someone else takes no timer of the process's.
      duration: x.server ? undefined : identity.duration(event),
      blacklist: Array.isArray(config.property_blacklist) ? config.property_blacklist : [],
      baseSize: base.size,
      warn: x.warn,
    }, options);
    // Where a site has more than one purpose, each event says which it serves (a withdrawal drops it by this).
    if (config.purposes.length > 1) built.properties.$purpose = purpose;
    const item = skip ? built : scrubbed(hooks.run('before_send_events', built), built);
    return item ? enqueue('track', item, callback, options) : undefined;
  }

  const update = (endpoint: 'engage' | 'groups', target: Properties, op: string, value: PropertyValue, callback?: Callback) => {
    if (!gate.admit(`${endpoint} ${op}`, callback, config.purposes[0])) return undefined;
    // A profile's $set also says which browser it was set from (the caller's values win), as mixpanel-browser's does.
    if (endpoint === 'engage' && op === '$set') value = withInfo(value as Properties, peopleInfo);
    const built = buildUpdate(token, target, op, value);
    const item = hooks.any() ? rewritten(hooks.run(endpoint === 'engage' ? 'before_send_people' : 'before_send_groups', built), built, op) : built;
    if (item) return enqueue(endpoint, item, callback);
    if (item === null) x.warn(`${endpoint} ${op}: a hook returned no operation; nothing is sent`);
    return undefined;
  };

  return { track, update };
}

/** `info` under the caller's `set`, as far as Mixpanel's limit leaves room: the caller's values come first. */
function withInfo(set: Properties, info: Properties): Properties {
  let room = MAX_KEYS - Object.keys(set).length;
  const out: Properties = {};
  for (const key in info) if (!(key in set) && room-- > 0) out[key] = info[key];
  return { ...out, ...set };
}

/** What every event shares, rebuilt only when the identity, its super properties or the page changed. */
function sharedProperties(x: PipelineParts): () => { properties: Properties; size: number } {
  const { config, identity, platform } = x;
  const context = platform.context();
  let base = { properties: {} as Properties, size: 0 };
  let version = -1;
  let page: Properties | undefined;
  return () => {
    const now = platform.page();
    if (version === identity.version && page === now) return base;
    const url = String(now.$current_url || '');
    const marketing = config.track_marketing ? campaign(url) : {};
    const properties = baseProperties(x.token, [context, now, marketing], identity.profile, identity.session);
    base = { properties, size: Object.keys(properties).length };
    if (base.size >= BASE_KEYS) x.warn(`over ${BASE_KEYS} super and page properties: the last registered are not sent (Mixpanel takes 255 per event)`);
    version = identity.version;
    page = now;
    return base;
  };
}

/** A hook's event, made safe to send again: a name and sanitised properties, or nothing. */
function scrubbed(ran: unknown[] | null, built: TrackedEvent): TrackedEvent | undefined {
  const e = ran && (ran[0] as TrackedEvent);
  if (e === built) return built;
  if (!e || typeof e !== 'object' || typeof e.event !== 'string' || !e.event) return undefined;
  return { event: e.event.slice(0, 255), properties: copyProps(e.properties) };
}

/**
 * A hook's update, made safe to send: its copy, still for the same token and target (a hook
 * changes what is updated, not whose profile); `null` when no operation is left in it.
 */
function rewritten(ran: unknown[] | null, built: Properties, op: string): Properties | null | undefined {
  const u = ran && ran[0];
  if (u === built || !u || typeof u !== 'object') return u === built ? built : undefined;
  const copy = copyProps(u);
  for (const key in built) if (key !== op) copy[key] = built[key];
  return Object.keys(copy).some((k) => k in OPS) ? copy : null;
}
const OPS = { $set: 1, $set_once: 1, $add: 1, $append: 1, $union: 1, $remove: 1, $unset: 1, $delete: 1 };

export type Pipeline = ReturnType<typeof createPipeline>;
