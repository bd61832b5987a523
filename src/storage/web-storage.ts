import { withFallback } from './fallback';
import { unprefixed } from './prefix';
import type { Store, StoreFailure } from './types';

/**
 * A namespace in `localStorage` or `sessionStorage`. Each key is stored as `prefix + key`.
 *
 * The storage object is looked up on every operation, never at creation: merely reading
 * `window.localStorage` throws a SecurityError where site data is blocked, and creating a store
 * must not touch storage before consent. Any failure moves this store to memory (see fallback.ts).
 *
 * @param kind Which Web Storage area.
 * @param prefix Namespace, e.g. `'heed_<token>_'`.
 * @param onFailure Called once if the storage fails and the store falls back to memory.
 * @example
 * const profile = webStorage('localStorage', `heed_${token}_`, (kind, error) => warn(kind, error));
 * profile.set('distinct_id', id);
 */
export function webStorage(
  kind: 'localStorage' | 'sessionStorage',
  prefix: string,
  onFailure?: StoreFailure,
): Store {
  const storage = (): Storage => {
    const area = window[kind];
    // Firefox with dom.storage.enabled=false returns null instead of throwing.
    if (!area) throw new TypeError(`${kind} is not available`);
    return area;
  };
  return withFallback(
    kind,
    {
      get: (key) => storage().getItem(prefix + key) ?? undefined,
      set: (key, value) => storage().setItem(prefix + key, value),
      remove: (key) => storage().removeItem(prefix + key),
      keys: () => {
        const area = storage();
        const names: string[] = [];
        for (let i = 0; i < area.length; i++) {
          const name = area.key(i);
          if (name !== null) names.push(name);
        }
        return unprefixed(names, prefix);
      },
    },
    onFailure,
  );
}
