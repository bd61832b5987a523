import { unprefixed } from './prefix';
import type { AsyncStore, Store } from './types';

/** The synchronous verbs over a Map, for any value type; both memory stores are views of it. */
function mapStore<V>(prefix: string, map: Map<string, V>) {
  return {
    get: (key: string): V | undefined => map.get(prefix + key),
    set: (key: string, value: V): void => void map.set(prefix + key, value),
    remove: (key: string): void => void map.delete(prefix + key),
    keys: (): string[] => unprefixed(map.keys(), prefix),
  };
}

/**
 * A store that lives as long as the page or process: the Node default and what every other store
 * falls back to when its storage is refused.
 *
 * @param prefix Namespace of this store's keys inside `map`.
 * @param map Backing map. Pass one map to several stores to give them one key space (as
 *   localStorage does); by default each store owns a fresh map.
 * @example
 * const profile = memoryStore('heed_profile_');
 * profile.set('distinct_id', 'abc');
 */
export function memoryStore(prefix = '', map: Map<string, string> = new Map()): Store {
  return mapStore(prefix, map);
}

/** A synchronous store's verbs as promises: the async stores over memory and over localStorage. */
export const promised = <V>(store: ReturnType<typeof mapStore<V>>): AsyncStore<V> => ({
  get: async (key) => store.get(key),
  set: async (key, value) => store.set(key, value),
  remove: async (key) => store.remove(key),
  keys: async () => store.keys(),
});

/**
 * The asynchronous twin of {@link memoryStore}, for structured values (the outbox in Node, and the
 * IndexedDB fallback). Values are kept by reference, not structured-cloned as IndexedDB would:
 * treat what you `set` as immutable.
 */
export function asyncMemoryStore<V>(prefix = '', map: Map<string, V> = new Map()): AsyncStore<V> {
  return promised(mapStore(prefix, map));
}
