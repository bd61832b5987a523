import type { Properties, PropertyValue, RegisterOptions, TrackedEvent } from '../types';
import type { Hooks } from '../hooks';
import type { InternalOptions } from '../pipeline';
import { DEVICE_PREFIX, type Identity } from './profile';
import { OWN_IDS, distinctId } from './ids';
import { show } from '../intrinsics';
import { copyProps } from '../properties';

export interface CallParts {
  identity: Identity;
  hooks: Hooks;
  track(event: string, props: Properties, options: InternalOptions): TrackedEvent | undefined;
  /** `people.set_once`, for the first touch on identify. */
  setOnce(props: Properties): unknown;
  warn(message: string): void;
}

/**
 * mixpanel-browser's identity calls over the profile: their `before_*` hooks, the ids they refuse,
 * and the events they send (`$identify`, `$create_alias`, without hooks as mixpanel-browser sends them).
 */
export function identityCalls({ identity, hooks, track, setOnce, warn }: CallParts) {
  const refuse = (what: string, id: unknown) => (warn(`${what}: ${show(id)} is not a usable distinct_id`), -1 as const);
  const own = (what: string, name: string) => OWN_IDS.indexOf(name) >= 0 && (warn(`${what}: "${name}" is left alone: identify() and reset() set it`), true);
  const supers = (what: string, props: unknown) => {
    const clean = copyProps(props);
    for (const name of OWN_IDS) if (name in clean && own(what, name)) delete clean[name];
    return clean;
  };

  function identify(id: unknown): -1 | undefined {
    const ran = hooks.run('before_identify', id);
    if (!ran) return -1;
    const next = distinctId(ran[0]);
    if (next === undefined || next.indexOf(DEVICE_PREFIX) === 0) return refuse('identify', ran[0]);
    const previous = identity.identify(next);
    if (previous === undefined) return undefined;
    track('$identify', { distinct_id: next, $anon_distinct_id: previous }, { skip_hooks: true });
    // A first touch with a campaign goes on the person's profile (with the first referrer), once.
    const p = identity.profile;
    const first = p.__first_touch as Properties | undefined;
    if (first) setOnce(p.$initial_referrer === undefined ? first : { ...first, $initial_referrer: p.$initial_referrer, $initial_referring_domain: p.$initial_referring_domain });
    return undefined;
  }

  return {
    identify,
    /** `-2`: the alias is the old People id; `-1`: it is the current id (identified instead) or unusable. */
    alias(alias: unknown, original?: unknown): TrackedEvent | -1 | -2 | undefined {
      const id = distinctId(alias);
      if (id === undefined) return refuse('alias', alias);
      if (id === identity.profile.$people_distinct_id) return warn('alias: that id is an existing People id'), -2;
      const from = original === undefined ? identity.profile.distinct_id : distinctId(original);
      if (from === undefined) return refuse('alias', original);
      if (id === from) return identify(id), -1;
      identity.alias(id);
      const sent = track('$create_alias', { alias: id, distinct_id: from }, { skip_hooks: true });
      identify(id);
      return sent;
    },
    register(props: Properties, options?: RegisterOptions | number) {
      const ran = hooks.run('before_register', props, options);
      if (ran) identity.register(supers('register', ran[0]), ran[1] as RegisterOptions | number);
    },
    register_once(props: Properties, dflt?: PropertyValue, options?: RegisterOptions | number) {
      const ran = hooks.run('before_register_once', props, dflt, options);
      if (ran) identity.register(supers('register_once', ran[0]), ran[2] as RegisterOptions | number, { dflt: ran[1] === undefined ? 'None' : (ran[1] as PropertyValue) });
    },
    unregister(name: string, options?: RegisterOptions) {
      const ran = hooks.run('before_unregister', name, options);
      if (ran && typeof ran[0] === 'string' && !own('unregister', ran[0])) identity.unregister(ran[0], ran[1] as RegisterOptions);
    },
  };
}
