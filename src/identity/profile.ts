import type { Store } from '../storage/types';
import type { Properties, PropertyValue, RegisterOptions } from '../types';
import { copyProps } from '../properties';
import { uuid } from './ids';
import { now, parse, stringify } from '../intrinsics';

/**
 * What heed persists per token, in mixpanel-browser's `mp_<token>_mixpanel` format: identity,
 * super properties (flat) and reserved `__` keys (`__timers`) that never go into events.
 */
/** `$device_id` is missing only from a profile an older mixpanel-browser stored: identify() then takes it from the distinct_id. */
export type Profile = { distinct_id: string; $device_id?: string; $user_id?: string } & Record<
  string,
  PropertyValue | undefined
>;

/** The storage key under the `mp_<token>_` namespace, as mixpanel-browser names it. */
export const PROFILE_KEY = 'mixpanel';

export const DEVICE_PREFIX = '$device:';

export function anonymousProfile(): Profile {
  const device = uuid();
  return { distinct_id: DEVICE_PREFIX + device, $device_id: device };
}

/**
 * A stored profile, or `undefined` for a missing or unreadable one. One without `$device_id` (an
 * older mixpanel-browser's) keeps its distinct_id and super properties, as mixpanel-browser does.
 */
export function parseProfile(raw: string | undefined): Profile | undefined {
  const p = raw ? (parse(raw) as Profile | undefined) : undefined; // parse() never throws
  return p && typeof p === 'object' && typeof p.distinct_id === 'string' && p.distinct_id && (p.$device_id === undefined || typeof p.$device_id === 'string') ? p : undefined;
}

type Timers = Record<string, number>;

/** When each super property registered with `days` expires (ms), in the profile's reserved `__expires`. */
const expiries = (profile: Profile, create?: boolean) =>
  (profile.__expires || (create ? (profile.__expires = {}) : {})) as Record<string, number>;

/**
 * `register` / `register_once` into the profile (persistent) or the page's `session`; with `once`, a
 * key is only set when absent or equal to its placeholder. `days` (a number, or `{ days }`) makes
 * persistent ones expire. Returns whether the profile changed (and so is to be stored).
 */
function putSupers(profile: Profile, session: Properties, props: unknown, options?: RegisterOptions | number, once?: { dflt: PropertyValue | undefined }): boolean {
  const o: RegisterOptions = typeof options === 'number' ? { days: options } : options && typeof options === 'object' ? options : {};
  const persistent = o.persistent !== false;
  const target: Properties = persistent ? profile : session;
  const clean = copyProps(props);
  const expires = persistent ? expiries(profile, !!o.days) : {};
  for (const name in clean) {
    if (once && target[name] !== undefined && target[name] !== once.dflt) continue;
    target[name] = clean[name];
    if (o.days! > 0) expires[name] = now() + o.days! * 864e5;
    else delete expires[name];
  }
  return persistent;
}

/** The super properties whose days are over leave the profile. */
function dropExpired(profile: Profile): void {
  const expires = expiries(profile);
  for (const name in expires) if (expires[name] < now()) delete profile[name], delete expires[name];
}

/**
 * The profile's person is `id` from now on; returns the previous distinct_id, or `undefined` when
 * `id` was already known. After `alias(id)` the distinct_id stays (as in mixpanel-browser) and
 * only `$user_id` says who it is.
 */
function becomes(profile: Profile, id: string): string | undefined {
  const previous = profile.distinct_id;
  if (id === previous || id === profile.$user_id) return undefined;
  profile.$user_id = id;
  // An older profile had no device id: its distinct_id was one, as mixpanel-browser keeps it.
  if (profile.$device_id === undefined) (profile.$device_id = previous), (profile.$had_persisted_distinct_id = true);
  if (id !== profile.__alias) {
    delete profile.__alias;
    profile.distinct_id = id;
  }
  return previous;
}

/** Who a profile update is for (Simplified ID Merge). */
function targetOf(profile: Profile): Properties {
  const t: Properties = { $distinct_id: profile.distinct_id };
  if (profile.$device_id !== undefined) t.$device_id = profile.$device_id;
  if (profile.$user_id !== undefined) t.$user_id = profile.$user_id;
  return t;
}

/**
 * The person as this device knows them: the profile (distinct_id, `$device_id`, `$user_id`,
 * persistent super properties, event timers) and the page's own super properties. Its one rule:
 * the profile is written to `store` only while `allowed()`; otherwise changes live in memory.
 * `version` moves on every change, so event builders can cache what they derive from it.
 */
export function createIdentity(store: Store, allowed: () => boolean, key = PROFILE_KEY, legacy?: Store) {
  let profile = anonymousProfile();
  let session: Properties = {};
  let version = 0;
  let moved = false; // the profile came from `legacy`: removed there once written to `store`

  const save = () => {
    if (!allowed()) return;
    store.set(key, stringify(profile));
    if (moved) (moved = false), legacy!.remove(key);
  };
  const changed = (persist = true) => {
    version++;
    if (persist) save();
  };
  const timers = () => profile.__timers as Timers | undefined;
  const fresh = (remove: boolean) => {
    if (remove) store.remove(key), legacy && legacy.remove(key);
    profile = anonymousProfile();
    session = {};
    changed(!remove);
  };

  return {
    get profile() {
      return profile;
    },
    get session() {
      return session;
    },
    get version() {
      return version;
    },
    save,
    /**
     * Take the stored profile, if any, without the super properties whose days are over; true when
     * there was one. Without one, a profile in `legacy` (mixpanel-browser's cookie, its default) is
     * taken and moved, as mixpanel-browser moves it into localStorage.
     */
    load(): boolean {
      let stored = parseProfile(store.get(key));
      if (!stored && legacy) moved = !!(stored = parseProfile(legacy.get(key)));
      if (stored) profile = stored;
      dropExpired(profile);
      changed();
      return !!stored;
    },
    /** `reset()`: start over as a new anonymous device (stored, if allowed). */
    reset: () => fresh(false),
    /** Remove the stored profile and start over as a new anonymous device, in memory. */
    forget: () => fresh(true),
    /**
     * The person is `id` from now on. After `alias(id)` the distinct_id stays what it was (as in
     * mixpanel-browser) and only `$user_id` says who it is. Returns the previous distinct_id when
     * this is news (the caller tracks `$identify`), `undefined` when `id` was already known.
     */
    identify(id: string): string | undefined {
      const previous = becomes(profile, id);
      if (previous !== undefined) changed();
      return previous;
    },
    /** Remember `alias` for the next `identify` (mixpanel-browser's `__alias`). */
    alias(alias: string) {
      profile.__alias = alias;
      changed();
    },
    /** `register` / `register_once`: see {@link putSupers}. */
    register(props: unknown, options?: RegisterOptions | number, once?: { dflt: PropertyValue | undefined }) {
      changed(putSupers(profile, session, props, options, once));
    },
    unregister(name: string, options?: RegisterOptions | null) {
      const persistent = (options || {}).persistent !== false;
      delete (persistent ? profile : session)[name];
      if (persistent) delete expiries(profile)[name];
      changed(persistent);
    },
    get: (name: string): PropertyValue | undefined => (name in session ? session[name] : profile[name]),
    /** `time_event`: the start time, in the profile's reserved `__timers`. */
    time(event: string) {
      (timers() || (profile.__timers = {}) as Timers)[event] = now();
      changed();
    },
    /** Seconds since `time(event)`, consuming the timer; `undefined` when it was not timed. */
    duration(event: string): number | undefined {
      const t = timers();
      if (!t || t[event] === undefined) return undefined;
      const seconds = Math.round(now() - t[event]) / 1000;
      delete t[event];
      changed();
      return seconds;
    },
    /** Who a profile update is for (Simplified ID Merge). */
    target: () => targetOf(profile),
  };
}

export type Identity = ReturnType<typeof createIdentity>;
