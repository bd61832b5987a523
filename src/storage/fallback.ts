import { asyncMemoryStore, memoryStore } from './memory';
import type { AsyncStore, Store, StoreFailure, StoreKind } from './types';

/*
 * The one place where storage failures are caught. Browsers refuse storage in many ways: a
 * SecurityError from the `localStorage` getter or from `document.cookie` in a sandboxed iframe or
 * with site data blocked, QuotaExceededError on `setItem` (Safari < 11 private mode has a quota of
 * zero), `window.localStorage === null` (Firefox with dom.storage.enabled=false), a missing
 * `indexedDB` (idb-keyval then throws synchronously) or a rejected open (Firefox private mode
 * before v115). Stores just let these throw or reject; the wrappers below turn the first one into
 * a single report and a permanent switch to memory for that store instance, so callers never see
 * an exception and reads keep seeing later writes.
 *
 * Values written before the failure are not migrated. A `remove` after the switch is still tried
 * on the failed storage (errors ignored): a store that failed on quota can usually still delete,
 * and opting out must not leave an old profile behind.
 */

/**
 * Calls `onFailure` at most once per returned reporter. A throwing callback is the app's bug, not
 * a storage failure, and must not reach the caller either.
 */
export function reportOnce(kind: StoreKind, onFailure: StoreFailure | undefined) {
  let reported = false;
  return (error: unknown) => {
    if (reported) return;
    reported = true;
    try {
      onFailure?.(kind, error);
    } catch {
      // Swallowed on purpose: rethrowing would break the caller, which must never see storage errors.
    }
  };
}

/**
 * Wraps a synchronous store so that it never throws: the first error reports `onFailure(kind,
 * error)` once and moves this store to memory for good.
 *
 * @example
 * const store = withFallback('localStorage', rawStore, (kind, error) => console.warn(kind, error));
 */
export function withFallback(kind: StoreKind, primary: Store, onFailure?: StoreFailure): Store {
  const report = reportOnce(kind, onFailure);
  let fallback: Store | undefined;

  function run<T>(op: (store: Store) => T): T {
    if (!fallback) {
      try {
        return op(primary);
      } catch (error) {
        fallback = memoryStore();
        report(error);
      }
    }
    return op(fallback);
  }

  return {
    get: (key) => run((store) => store.get(key)),
    set: (key, value) => run((store) => store.set(key, value)),
    remove: (key) => {
      run((store) => store.remove(key));
      if (fallback) {
        try {
          primary.remove(key);
        } catch {
          // Best effort only; the failure was reported when the store switched.
        }
      }
    },
    keys: () => run((store) => store.keys()),
  };
}

/**
 * The asynchronous {@link withFallback}: a rejection or a synchronous throw from the primary store
 * reports once and moves this store to memory. Operations already in flight when the switch
 * happens each retry on memory.
 */
export function withAsyncFallback<V>(
  kind: StoreKind,
  primary: AsyncStore<V>,
  onFailure?: StoreFailure,
): AsyncStore<V> {
  const report = reportOnce(kind, onFailure);
  let fallback: AsyncStore<V> | undefined;

  async function run<T>(op: (store: AsyncStore<V>) => Promise<T>): Promise<T> {
    if (!fallback) {
      try {
        return await op(primary);
      } catch (error) {
        fallback ??= asyncMemoryStore<V>();
        report(error);
      }
    }
    return op(fallback);
  }

  return {
    get: (key) => run((store) => store.get(key)),
    set: (key, value) => run((store) => store.set(key, value)),
    remove: async (key) => {
      await run((store) => store.remove(key));
      if (fallback) {
        try {
          await primary.remove(key);
        } catch {
          // Best effort only, as in withFallback.
        }
      }
    },
    keys: () => run((store) => store.keys()),
  };
}
