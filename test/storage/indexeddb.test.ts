/**
 * IndexedDB needs no DOM, so this suite runs in Node: fake-indexeddb relies on the global
 * structuredClone, which jest's jsdom environment does not provide.
 */
import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import { dropDatabaseIfEmpty, idbStore } from '../../src/storage/indexeddb';
import type { StoreKind } from '../../src/storage/types';

type Tracked = { name: string; props: Record<string, unknown> };
type Global = { indexedDB?: IDBFactory };

function recorder() {
  const calls: Array<[StoreKind, unknown]> = [];
  return { calls, onFailure: (kind: StoreKind, error: unknown) => void calls.push([kind, error]) };
}

/** Database names as the real factory sees them, even where `databases` is hidden from the code. */
const databaseNames = async (factory: IDBFactory) =>
  (await IDBFactory.prototype.databases.call(factory)).map((info) => info.name);

/** An IndexedDB whose open request fails, as in Firefox private browsing before v115. */
function failingOpenFactory(error: DOMException): IDBFactory {
  return {
    open() {
      const request: { error: DOMException; onerror?: () => void } = { error };
      setTimeout(() => request.onerror?.());
      return request;
    },
  } as unknown as IDBFactory;
}

let factory: IDBFactory;
beforeEach(() => {
  factory = new IDBFactory();
  (globalThis as Global).indexedDB = factory;
});
afterEach(() => {
  delete (globalThis as Global).indexedDB;
});

describe('idbStore', () => {
  it('opens nothing when created', async () => {
    idbStore<Tracked>('t1:');
    idbStore<Tracked>('t2:', undefined, { db: 'other', store: 'things' });
    expect(await factory.databases()).toEqual([]);
  });

  it('stores structured values under prefixed keys in the heed/outbox store', async () => {
    const store = idbStore<Tracked>('t1:');
    const event = { name: 'signup', props: { plan: 'pro', at: new Date(0) } };
    await store.set('batch-1', event);
    expect(await store.get('batch-1')).toEqual(event);
    expect(await store.get('missing')).toBeUndefined();
    expect(await databaseNames(factory)).toEqual(['heed']);

    const raw = await new Promise<IDBDatabase>((resolve) => {
      const request = factory.open('heed');
      request.onsuccess = () => resolve(request.result);
    });
    const keys = await new Promise((resolve) => {
      const request = raw.transaction('outbox').objectStore('outbox').getAllKeys();
      request.onsuccess = () => resolve(request.result);
    });
    raw.close();
    expect(keys).toEqual(['t1:batch-1']);
  });

  it('keeps two prefixes in one database apart', async () => {
    const a = idbStore<number>('a:');
    const b = idbStore<number>('b:');
    await a.set('x', 1);
    await a.set('y', 2);
    await b.set('x', 3);
    expect((await a.keys()).sort()).toEqual(['x', 'y']);
    expect(await b.keys()).toEqual(['x']);
    expect(await b.get('x')).toBe(3);
    await a.remove('x');
    expect(await a.keys()).toEqual(['y']);
    expect(await b.get('x')).toBe(3);
  });

  it('uses the database and store names it is given', async () => {
    const store = idbStore<string>('p:', undefined, { db: 'app', store: 'kv' });
    await store.set('k', 'v');
    expect(await databaseNames(factory)).toEqual(['app']);
    expect(await idbStore<string>('p:', undefined, { db: 'app', store: 'kv' }).get('k')).toBe('v');
  });

  it('falls back to memory when indexedDB is undefined', async () => {
    delete (globalThis as Global).indexedDB;
    const { calls, onFailure } = recorder();
    const store = idbStore<number>('a:', onFailure);
    await expect(store.set('k', 1)).resolves.toBeUndefined();
    expect(await store.get('k')).toBe(1);
    expect(await store.keys()).toEqual(['k']);
    await store.remove('k');
    expect(await store.get('k')).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('indexedDB');
    expect(calls[0][1]).toBeInstanceOf(ReferenceError);
  });

  it('falls back to memory once when the open request fails', async () => {
    const error = new DOMException('A mutation operation was attempted', 'InvalidStateError');
    (globalThis as Global).indexedDB = failingOpenFactory(error);
    const { calls, onFailure } = recorder();
    const a = idbStore<number>('a:', onFailure);
    const b = idbStore<number>('b:');

    await Promise.all([a.set('x', 1), a.set('y', 2), a.get('x')]);
    expect(await a.get('x')).toBe(1);
    expect((await a.keys()).sort()).toEqual(['x', 'y']);
    expect(await b.get('x')).toBeUndefined();
    expect(calls).toEqual([['indexedDB', error]]);
  });

  it('falls back to memory when indexedDB.open throws', async () => {
    const error = new DOMException('opaque origin', 'SecurityError');
    (globalThis as Global).indexedDB = {
      open() {
        throw error;
      },
    } as unknown as IDBFactory;
    const { calls, onFailure } = recorder();
    const store = idbStore<number>('a:', onFailure);
    await store.set('x', 1);
    expect(await store.get('x')).toBe(1);
    expect(calls).toEqual([['indexedDB', error]]);
  });

  it('writes asked in one task share one transaction, and each resolves once it has committed', async () => {
    const store = idbStore<number>('a:');
    await store.set('warm', 0); // the database is open
    const modes: string[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    const spy = jest.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args) {
      modes.push(String(args[1] ?? 'readonly'));
      return transaction.apply(this, args);
    });
    try {
      const writes = Array.from({ length: 20 }, (_, i) => store.set('b' + i, i)).concat(store.remove('warm'));
      await Promise.all(writes);
      expect(modes).toEqual(['readwrite']);
      // Resolved means committed: a store of its own (another connection) reads every write.
      const other = idbStore<number>('a:');
      expect((await other.keys()).sort()).toEqual(Array.from({ length: 20 }, (_, i) => 'b' + i).sort());
      // A read asked in the same task as writes sees them: the writes start first.
      const pending = store.set('late', 7);
      expect(await store.get('late')).toBe(7);
      await pending;
    } finally {
      spy.mockRestore();
    }
  });

  it('falls back to memory when the database lacks its object store', async () => {
    await idbStore<number>('a:', undefined, { db: 'shared', store: 'first' }).set('x', 1);
    const { calls, onFailure } = recorder();
    const store = idbStore<number>('a:', onFailure, { db: 'shared', store: 'second' });
    await store.set('x', 2);
    expect(await store.get('x')).toBe(2);
    expect(calls).toHaveLength(1);
    expect((calls[0][1] as DOMException).name).toBe('NotFoundError');
  });
});

describe('dropDatabaseIfEmpty', () => {
  it('does not create the database that was never opened', async () => {
    await expect(dropDatabaseIfEmpty()).resolves.toBe(true);
    expect(await factory.databases()).toEqual([]);
  });

  it('does not create it where indexedDB.databases() is missing either', async () => {
    Object.defineProperty(factory, 'databases', { value: undefined });
    await expect(dropDatabaseIfEmpty()).resolves.toBe(true);
    expect(await databaseNames(factory)).toEqual([]);
  });

  it('deletes the emptied database while a store still holds a connection', async () => {
    const store = idbStore<number>('a:');
    await store.set('x', 1);
    await store.remove('x');
    await expect(dropDatabaseIfEmpty()).resolves.toBe(true);
    expect(await factory.databases()).toEqual([]);

    // The store reopens (and so recreates the database) on its next use.
    await store.set('y', 2);
    expect(await store.get('y')).toBe(2);
    expect(await databaseNames(factory)).toEqual(['heed']);
  });

  it('finds and deletes an empty database without databases()', async () => {
    const store = idbStore<number>('a:');
    await store.set('x', 1);
    await store.remove('x');
    Object.defineProperty(factory, 'databases', { value: undefined });
    await expect(dropDatabaseIfEmpty()).resolves.toBe(true);
    expect(await databaseNames(factory)).toEqual([]);
  });

  it('keeps a database that holds keys under any prefix', async () => {
    const a = idbStore<number>('a:');
    const b = idbStore<number>('b:');
    await a.set('x', 1);
    await b.set('x', 2);
    await a.remove('x');
    await expect(dropDatabaseIfEmpty()).resolves.toBe(false);
    expect(await databaseNames(factory)).toEqual(['heed']);
    expect(await b.get('x')).toBe(2);
  });

  it('only looks at the named database', async () => {
    await idbStore<number>('a:', undefined, { db: 'app' }).set('x', 1);
    const heed = idbStore<number>('a:');
    await heed.set('x', 1);
    await heed.remove('x');
    await expect(dropDatabaseIfEmpty({ db: 'app' })).resolves.toBe(false);
    await expect(dropDatabaseIfEmpty()).resolves.toBe(true);
    expect(await databaseNames(factory)).toEqual(['app']);
  });

  it('resolves true without indexedDB and false when IndexedDB fails', async () => {
    delete (globalThis as Global).indexedDB;
    await expect(dropDatabaseIfEmpty()).resolves.toBe(true);
    (globalThis as Global).indexedDB = failingOpenFactory(new DOMException('no', 'UnknownError'));
    await expect(dropDatabaseIfEmpty()).resolves.toBe(false);
  });
});
