/**
 * A synchronous string store under one namespace. Cookie, localStorage, memory and the Node
 * file store implement it; the consent flag and the profile need synchronous reads because
 * `track()` decides on the spot. Stores made by this module never throw: a failing storage is
 * reported once through {@link StoreFailure} and replaced by memory.
 */
export interface Store {
  /** Value under `key` in this namespace, or `undefined`. */
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  remove(key: string): void;
  /** Keys of this namespace, without the namespace prefix. */
  keys(): string[];
}

/**
 * The asynchronous store for structured values (IndexedDB through idb-keyval). IndexedDB has no
 * synchronous API, so the outbox gets its own interface with the same verbs.
 */
export interface AsyncStore<V> {
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V): Promise<void>;
  remove(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/**
 * What a store reports, once, when its backing storage fails and it falls back to memory. The
 * file store also reports, once, a file that is not a JSON object (it keeps using the file).
 */
export type StoreFailure = (kind: StoreKind, error: unknown) => void;

export type StoreKind = 'cookie' | 'localStorage' | 'sessionStorage' | 'memory' | 'indexedDB' | 'file';
