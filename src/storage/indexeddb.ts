import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { withAsyncFallback } from './fallback';
import { unprefixed } from './prefix';
import { P } from '../intrinsics';
import type { AsyncStore, StoreFailure } from './types';

/** Where an {@link idbStore} keeps its values. */
export interface IdbNames {
  /**
   * Database name.
   * @default 'heed'
   */
  db?: string;
  /**
   * Object store name. idb-keyval creates the object store only when it creates the database, so
   * use one object store per database.
   * @default 'outbox'
   */
  store?: string;
}

const DEFAULT_DB = 'heed';
const DEFAULT_STORE = 'outbox';

/**
 * A namespace of structured values in IndexedDB through idb-keyval; keys are stored as
 * `prefix + key`.
 *
 * Nothing is opened at creation: idb-keyval's first operation opens, and so creates, the
 * database, and that must wait for consent. Failures move the store to memory and report once
 * (see fallback.ts): idb-keyval throws synchronously where `indexedDB` is missing, and its open
 * rejects in Firefox private browsing before v115; some idb-keyval versions also cache a rejected
 * open so that every later call rejects until reload.
 *
 * The connection closes itself on `versionchange`, because idb-keyval never closes it and an open
 * connection would block {@link dropDatabaseIfEmpty} (in this tab or another) indefinitely; the
 * next operation reopens.
 *
 * @example
 * const outbox = idbStore<Batch>(`${token}:`, (kind, error) => warn(kind, error));
 * await outbox.set(batch.id, batch);
 */
export function idbStore<V>(prefix: string, onFailure?: StoreFailure, names: IdbNames = {}): AsyncStore<V> {
  let connection: UseStore | undefined;
  const run = <T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => Promise<T>): Promise<T> => {
    const current = (connection ??= createStore(names.db ?? DEFAULT_DB, names.store ?? DEFAULT_STORE));
    return current(mode, (store) => {
      const database = store.transaction.db;
      database.onversionchange = () => {
        database.close();
        if (connection === current) connection = undefined;
      };
      return op(store);
    });
  };
  // Writes asked in one task share one transaction (the outbox writes up to 20 batches at once, and
  // each transaction costs the main thread more than its puts); each resolves once that one
  // commits, as idb-keyval's own `set` does. A read first starts the writes asked before it.
  let pending: Array<[op: (store: IDBObjectStore) => void, done: () => void, failed: (e: unknown) => void]> = [];
  const commit = () => {
    const group = pending;
    pending = [];
    if (!group.length) return;
    let written: Promise<unknown>;
    try {
      written = run('readwrite', (store) => (group.forEach(([op]) => op(store)), promisifyRequest(store.transaction)));
    } catch (e) {
      written = P.reject(e); // no indexedDB at all: idb-keyval throws at once
    }
    written.then(() => group.forEach(([, done]) => done()), (e: unknown) => group.forEach(([, , failed]) => failed(e)));
  };
  const write = (op: (store: IDBObjectStore) => void) =>
    new P<void>((done, failed) => {
      if (pending.push([op, done, failed]) === 1) P.resolve().then(commit);
    });
  const read = <T>(op: (store: IDBObjectStore) => Promise<T>) => (commit(), run('readonly', op));

  return withAsyncFallback<V>(
    'indexedDB',
    {
      get: (key) => read((store) => promisifyRequest<V | undefined>(store.get(prefix + key))),
      set: (key, value) => write((store) => store.put(value, prefix + key)),
      remove: (key) => write((store) => store.delete(prefix + key)),
      keys: async () =>
        unprefixed((await read((store) => promisifyRequest(store.getAllKeys()))).filter((key): key is string => typeof key === 'string'), prefix),
    },
    onFailure,
  );
}

/**
 * Opens the database only if it already exists. A new database fires `upgradeneeded`; aborting
 * that upgrade removes the database again (IndexedDB spec, "abort an upgrade transaction"; WPT
 * IndexedDB/abort-in-initial-upgradeneeded), so looking never creates it.
 */
function openExisting(factory: IDBFactory, name: string): Promise<IDBDatabase | undefined> {
  return new P((resolve, reject) => {
    const request = factory.open(name);
    let absent = false;
    request.onupgradeneeded = () => {
      absent = true;
      request.transaction?.abort();
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => (absent ? resolve(undefined) : reject(request.error));
  });
}

async function holdsNoKeys(database: IDBDatabase): Promise<boolean> {
  const storeNames = Array.from(database.objectStoreNames);
  if (storeNames.length === 0) return true;
  const transaction = database.transaction(storeNames, 'readonly');
  const counts = await P.all(
    storeNames.map((name) => promisifyRequest(transaction.objectStore(name).count())),
  );
  return counts.every((count) => count === 0);
}

/**
 * Deletes heed's IndexedDB database when no object store in it holds any key, so that an
 * opted-out person is left without one. Never creates the database: when `indexedDB.databases()`
 * does not list it, nothing is opened; where `databases()` is missing (Firefox before 126), the
 * database is opened only if it exists. Call it after the outbox has been emptied and stopped.
 *
 * Never rejects. Resolves `true` when no such database remains (deleted, or there was none) and
 * `false` when it still exists: it holds keys, the deletion is blocked by a connection that
 * another script keeps open (it then completes once that closes), or IndexedDB failed.
 *
 * @example
 * await outbox.remove(batchId);
 * await dropDatabaseIfEmpty();
 */
export async function dropDatabaseIfEmpty(names: IdbNames = {}): Promise<boolean> {
  const name = names.db ?? DEFAULT_DB;
  if (typeof indexedDB === 'undefined') return true;
  try {
    if (typeof indexedDB.databases === 'function') {
      const listed = await indexedDB.databases();
      if (!listed.some((info) => info.name === name)) return true;
    }
    const database = await openExisting(indexedDB, name);
    if (!database) return true;
    let empty: boolean;
    try {
      empty = await holdsNoKeys(database);
    } finally {
      database.close();
    }
    if (!empty) return false;
    return await new P<boolean>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = () => resolve(true);
      request.onblocked = () => resolve(false);
      request.onerror = () => reject(request.error);
    });
  } catch {
    return false;
  }
}
