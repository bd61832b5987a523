import type { Callback, GroupApi, PeopleApi, Properties, PropertyValue } from './types';
import type { Identity } from './identity';
import { copyProps, propName, sanitize } from './properties';
import { show } from './intrinsics';
import { OWN_IDS } from './identity/ids';

/** Queue one profile (`engage`) or group (`groups`) update for `target`, gated; returns what was queued. */
export type Update = (endpoint: 'engage' | 'groups', target: Properties, op: string, value: PropertyValue, callback?: Callback) => Properties | undefined;

/** The names an update never changes, as in mixpanel-browser: who the profile is. */
const RESERVED = {
  engage: ['$distinct_id', '$token', '$device_id', '$user_id', '$had_persisted_distinct_id'],
  groups: ['$group_key', '$group_id'],
};
type Endpoint = keyof typeof RESERVED;

/** Mixpanel's `(prop, value, cb)` or `({prop: value}, cb)` argument shapes; an object loses the reserved names. */
function pairs(endpoint: Endpoint, prop: unknown, value: unknown, callback: unknown, map?: (v: PropertyValue) => PropertyValue | undefined): [Properties, Callback | undefined] {
  let props: Properties = {};
  if (prop && typeof prop === 'object') {
    props = copyProps(prop);
    for (const name of RESERVED[endpoint]) delete props[name];
    callback = value;
  } else {
    const name = propName(prop);
    const v = sanitize(value);
    if (name && v !== undefined) props[name] = v;
  }
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
/** `$union` takes non-empty lists of strings and numbers only (ingestion spec). */
const unionList = (v: PropertyValue) => {
  const list = (asList(v) as PropertyValue[]).filter((x) => typeof x === 'string' || typeof x === 'number');
  return list.length ? list : undefined;
};
const numeric = (v: PropertyValue) => (typeof v === 'number' ? v : undefined);
const names = (endpoint: Endpoint, prop: unknown): string[] =>
  (Array.isArray(prop) ? prop : [prop]).map(propName).filter((n): n is string => !!n && RESERVED[endpoint].indexOf(n) < 0);

/**
 * The operations people and groups share, for one target (`undefined`: refused, for a group
 * without a usable key and id). An update with nothing in it is refused too, as Mixpanel would.
 */
function operations(endpoint: Endpoint, target: () => Properties | undefined, update: Update, warn: (m: string) => void) {
  const send = (name: string, value: Properties | string[] | string, cb?: Callback) => {
    const to = target();
    if (to && (name === '$delete' || Object.keys(value).length)) return update(endpoint, to, name, value, cb);
    warn(`${endpoint} ${name}: ${to ? 'nothing to update' : 'a group needs a key and an id'}`);
    if (typeof cb === 'function') cb(0);
    return undefined;
  };
  const op = (name: string, map?: (v: PropertyValue) => PropertyValue | undefined) =>
    (prop: unknown, value?: unknown, callback?: Callback) => send(name, ...pairs(endpoint, prop, value, callback, map));
  return {
    set: op('$set'),
    set_once: op('$set_once'),
    union: op('$union', unionList),
    remove: op('$remove'),
    append: op('$append'),
    unset: (prop: unknown, callback?: Callback) => send('$unset', names(endpoint, prop), callback),
    // A profile's `$delete` names its distinct_id, as mixpanel-browser's does; a group's is empty.
    delete: (callback?: Callback) => send('$delete', endpoint === 'engage' ? String((target() || {}).$distinct_id ?? '') : '', callback),
    increment(prop: unknown, by?: unknown, callback?: Callback) {
      return typeof prop === 'string'
        ? send('$add', ...pairs(endpoint, prop, typeof by === 'number' ? by : 1, typeof by === 'function' ? by : callback, numeric))
        : send('$add', ...pairs(endpoint, prop, by, callback, numeric));
    },
  };
}

/** `heed.people`: updates of the current person's profile. */
export function peopleApi(target: () => Properties, update: Update, warn: (message: string) => void): PeopleApi {
  const { delete: remove, ...ops } = operations('engage', target, update, warn);
  return {
    ...ops,
    delete_user: remove,
    // As in mixpanel-browser 2.82: revenue through profiles is gone, clearing the old list is not.
    track_charge: () => warn('people.track_charge() is deprecated and has no effect'),
    clear_charges: (callback?: Callback) => ops.set('$transactions', [], callback),
  };
}

/** `heed.get_group(key, id)`: updates of one group's profile; a key must be a string, an id a string or a number. */
export function groupApi(key: string, id: string | number, update: Update, warn: (message: string) => void): GroupApi {
  const name = propName(key);
  const gid = groupId(id);
  const target = () => (name && gid !== undefined ? { $group_key: name, $group_id: gid } : undefined);
  // mixpanel-browser's groups have no append or increment.
  const { append, increment, ...ops } = operations('groups', target, update, warn);
  return ops;
}

/** A group id: text of 1 to 255 characters or a finite number; `undefined` otherwise. */
const groupId = (id: unknown): string | number | undefined => (typeof id === 'number' ? (isFinite(id) ? id : undefined) : propName(id));


/** `set_group` / `add_group` / `remove_group`: a group key is a super property plus a profile property. */
export function membership(identity: Identity, people: PeopleApi, warn: (message: string) => void) {
  const list = (key: string): PropertyValue[] => {
    const v = identity.profile[key];
    return v === undefined || v === null ? [] : (asList(v) as PropertyValue[]).slice();
  };
  const refused = (what: string, id: unknown, cb?: Callback) => {
    warn(`${what}: ${show(id)} is not a usable group id (1 to 255 characters, or a number)`);
    if (typeof cb === 'function') cb(0);
    return undefined;
  };
  /** `f` for a usable group key; otherwise refused loudly (a callback gets 0). */
  const keyed =
    <A extends unknown[]>(what: string, f: (key: string, ...args: A) => Properties | undefined) =>
    (key: unknown, ...args: A): Properties | undefined => {
      const name = propName(key);
      if (name && name !== 'token' && OWN_IDS.indexOf(name) < 0) return f(name, ...args);
      warn(`${what}: ${show(key)} is not a usable group key (1 to 255 characters, not heed's own id)`);
      const cb = args[args.length - 1];
      if (typeof cb === 'function') cb(0);
      return undefined;
    };
  return {
    set_group: keyed('set_group', (key, ids: PropertyValue, callback?: Callback) => {
      const members = (asList(ids) as unknown[]).map(groupId).filter((id): id is string | number => id !== undefined);
      identity.register({ [key]: members });
      return people.set({ [key]: members }, callback);
    }),
    add_group: keyed('add_group', (key, given: string | number, callback?: Callback) => {
      const id = groupId(given);
      if (id === undefined) return refused('add_group', given, callback);
      const members = list(key);
      if (members.indexOf(id) < 0) identity.register({ [key]: members.concat(id) });
      return people.union({ [key]: [id] }, callback);
    }),
    remove_group: keyed('remove_group', (key, given: string | number, callback?: Callback) => {
      const id = groupId(given);
      if (id === undefined) return refused('remove_group', given, callback);
      const members = list(key);
      const i = members.indexOf(id);
      if (i >= 0) {
        members.splice(i, 1);
        // The last group of this key gone: the super property goes too, as in mixpanel-browser.
        if (members.length) identity.register({ [key]: members });
        else identity.unregister(key);
      }
      return people.remove({ [key]: id }, callback);
    }),
  };
}
