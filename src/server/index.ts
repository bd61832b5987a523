import type { Callback, ConsentStatus, EventMap, Heed, InitConfig, PeopleApi, Properties, TrackedEvent } from '../types';
import type { Core } from '../wire';
import { peopleApi, type Update } from '../people';
import { copyProps } from '../properties';
import { distinctId } from '../identity/ids';
import { P, show } from '../intrinsics';
import { HeedError } from '../errors';
import { requestConsent, requestPerson, type IncomingRequest } from './request';
import type { SuppressionStore } from './suppression';
import type { RequestOptions } from './stages';

export { memorySuppressions, type SuppressionStore } from './suppression';
export { fileSuppressions, type FileSuppressionOptions } from './file-suppressions';
export { redisSuppressions, type RedisLike, type RedisSuppressionOptions } from './redis-suppressions';
export type { IncomingRequest } from './request';

/** Node's options beside mixpanel-browser's. */
export interface NodeInitConfig extends InitConfig {
  /**
   * Where the suppression list lives: memory (this process), `fileSuppressions(path)` (one
   * machine) or `redisSuppressions({ url })` (many).
   * @default memorySuppressions()
   * @example init(token, { suppression_store: redisSuppressions({ url: process.env.REDIS_URL }) })
   */
  suppression_store?: SuppressionStore;
}

/** Tracking on behalf of the person behind one request, with their consent. */
export interface RequestTracker<E extends EventMap = EventMap> {
  /** Their consent, read from the request: a stored decision cookie, else `Sec-GPC` / `DNT`, else the default. */
  readonly status: ConsentStatus;
  /** Who the calls are for: the given id, else the distinct_id in heed's profile cookie. */
  readonly distinctId: string | undefined;
  /** `track` as theirs; nothing is queued unless their consent (and the process's) allows it. */
  track<K extends keyof E & string>(event: K, properties?: E[K], callback?: Callback): TrackedEvent | undefined;
  /** Their profile's updates, with the same gate. */
  readonly people: PeopleApi;
}

export interface ServerMethods<E extends EventMap = EventMap> {
  /**
   * Stop every server-side call for `distinctId` (and the ids known to be the same person): each is
   * dropped before it is queued, and what is queued for them is removed. Shared through
   * `suppression_store`; resolves once the store has it.
   */
  suppress(distinctId: string): Promise<void>;
  /** Undo `suppress`. */
  unsuppress(distinctId: string): Promise<void>;
  /** Whether calls for `distinctId` are suppressed now (a lookup in this process's copy). */
  isSuppressed(distinctId: string): boolean;
  /** Every suppressed id, as the store holds them. */
  suppressed(): Promise<readonly string[]>;
  /** Track on behalf of the person behind `request` (a Web `Request` or an `IncomingMessage`). */
  forRequest(request: IncomingRequest, options?: { distinct_id?: string }): RequestTracker<E>;
}

/** The Node tracker: mixpanel-browser's API, and the server side of consent. */
export interface NodeHeed<E extends EventMap = EventMap> extends Heed<E>, ServerMethods<E> {
  init(token: string, config?: NodeInitConfig, name?: string): NodeHeed<E>;
}

/** Node's additions to each instance (`Platform.methods`); its `flush` first waits for the suppression list. */
export function serverMethods(_heed: Heed, core: () => Core | undefined, warn: (m: string) => void): ServerMethods & Pick<Heed, 'flush'> {
  // Promise-returning calls reject with a HeedError, as flush() does: a refused id is an answer the caller needs.
  const initialised = () => {
    const c = core();
    if (!c || !c.server) throw new HeedError('suppress: init() was not called');
    return c;
  };
  const valid = (id: unknown) => {
    const d = distinctId(id);
    if (d === undefined) throw new HeedError(`suppress: ${show(id)} is not a usable distinct_id`);
    return d;
  };
  return {
    async suppress(id) {
      const c = initialised();
      await c.server!.suppress(valid(id));
      const n = c.outbox.drop((endpoint, item) => c.server!.blocks(endpoint, item), 'the person is suppressed');
      if (n) warn(`suppress: ${n} queued item(s) removed`);
    },
    unsuppress: async (id) => initialised().server!.unsuppress(valid(id)),
    isSuppressed: (id) => !!core()?.server?.has(String(id)),
    suppressed: () => (core()?.server ? core()!.server!.list() : P.resolve([])),
    forRequest: (request, options = {}) => requestTracker(core, request, options, warn),
    // While tracking is not allowed there is nothing to send: resolve at once, whatever is queued.
    flush() {
      const c = core();
      return c && c.gate.allowed() ? c.server!.whenLoaded().then(c.outbox.flush) : P.resolve();
    },
  };
}

function requestTracker(core: () => Core | undefined, request: IncomingRequest, options: { distinct_id?: string }, warn: (m: string) => void): RequestTracker {
  const c = core();
  const status: ConsentStatus = c ? requestConsent(request, c.config, c.token) : 'pending';
  const person: Properties = c ? requestPerson(request, c.config, c.token) : {};
  if (options.distinct_id !== undefined) person.distinct_id = distinctId(options.distinct_id);
  const refused = (what: string, callback?: Callback) => {
    warn(`${what} dropped: the request's consent is ${status}`);
    if (typeof callback === 'function') callback(0);
    return undefined;
  };
  const update: Update = (endpoint, target, op, value, callback) =>
    status === 'granted' && c && person.distinct_id ? c.pipeline.update(endpoint, target, op, value, callback) : refused(`${endpoint} ${op}`, callback);
  return {
    status,
    distinctId: person.distinct_id as string | undefined,
    track(event, properties, callback) {
      if (status !== 'granted' || !c) return refused(`track("${event}")`, callback);
      return c.pipeline.track(event, copyProps(properties), { person } as RequestOptions, callback);
    },
    people: peopleApi(() => ({ $distinct_id: person.distinct_id, ...(person.$device_id ? { $device_id: person.$device_id } : {}) }), update, warn),
  };
}
