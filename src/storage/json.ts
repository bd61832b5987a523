import type { AsyncStore, Store } from './types';

/** A sync string store as an AsyncStore of JSON values: the outbox's localStorage fallback. */
export function jsonStore<V>(store: Store): AsyncStore<V> {
  return {
    get: async (key) => {
      const raw = store.get(key);
      try {
        return raw === undefined ? undefined : (JSON.parse(raw) as V);
      } catch {
        return undefined; // a corrupt entry reads as missing; the outbox removes it
      }
    },
    set: async (key, value) => store.set(key, JSON.stringify(value)),
    remove: async (key) => store.remove(key),
    keys: async () => store.keys(),
  };
}
