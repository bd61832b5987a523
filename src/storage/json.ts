import type { AsyncStore, Store } from './types';
import { parse, stringify } from '../intrinsics';

/** A sync string store as an AsyncStore of JSON values: the outbox's localStorage fallback. */
export function jsonStore<V>(store: Store): AsyncStore<V> {
  return {
    get: async (key) => {
      const raw = store.get(key);
      // A corrupt entry reads as missing; the outbox removes it.
      return raw === undefined ? undefined : (parse(raw) as V | undefined);
    },
    set: async (key, value) => store.set(key, stringify(value)),
    remove: async (key) => store.remove(key),
    keys: async () => store.keys(),
  };
}
