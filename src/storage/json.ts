import type { AsyncStore, Store } from './types';
import { promised } from './memory';
import { parse, stringify } from '../intrinsics';

/** A sync string store as an AsyncStore of JSON values: the outbox's localStorage fallback. */
export function jsonStore<V>(store: Store): AsyncStore<V> {
  return promised<V>({
    ...store,
    get: (key) => {
      const raw = store.get(key);
      // A corrupt entry reads as missing; the outbox removes it.
      return raw === undefined ? undefined : (parse(raw) as V | undefined);
    },
    set: (key, value) => store.set(key, stringify(value)),
  });
}
