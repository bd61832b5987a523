import { withAsyncFallback, withFallback } from '../../src/storage/fallback';
import { asyncMemoryStore, memoryStore } from '../../src/storage/memory';
import type { AsyncStore, Store, StoreKind } from '../../src/storage/types';

/** A store over a map that starts refusing with `error` once `broken.error` is set. */
function breakableStore() {
  const data = new Map<string, string>();
  const inner = memoryStore('', data);
  const broken: { error?: unknown; removeWorks?: boolean } = {};
  const guard = (op: string) => {
    if (broken.error && !(op === 'remove' && broken.removeWorks)) throw broken.error;
  };
  const store: Store = {
    get: (key) => (guard('get'), inner.get(key)),
    set: (key, value) => (guard('set'), inner.set(key, value)),
    remove: (key) => (guard('remove'), inner.remove(key)),
    keys: () => (guard('keys'), inner.keys()),
  };
  return { store, data, broken };
}

function recorder() {
  const calls: Array<[StoreKind, unknown]> = [];
  return { calls, onFailure: (kind: StoreKind, error: unknown) => void calls.push([kind, error]) };
}

describe('withFallback', () => {
  it('uses the primary store while it works and reports nothing', () => {
    const { store, data } = breakableStore();
    const { calls, onFailure } = recorder();
    const wrapped = withFallback('localStorage', store, onFailure);
    wrapped.set('a', '1');
    expect(data.get('a')).toBe('1');
    expect(wrapped.get('a')).toBe('1');
    expect(wrapped.keys()).toEqual(['a']);
    wrapped.remove('a');
    expect(data.size).toBe(0);
    expect(calls).toEqual([]);
  });

  it('reports the first error once and keeps working from memory', () => {
    const { store, data, broken } = breakableStore();
    const { calls, onFailure } = recorder();
    const wrapped = withFallback('cookie', store, onFailure);
    const error = new DOMException('denied', 'SecurityError');
    broken.error = error;

    expect(() => wrapped.set('a', '1')).not.toThrow();
    expect(wrapped.get('a')).toBe('1');
    wrapped.set('b', '2');
    expect(wrapped.keys().sort()).toEqual(['a', 'b']);
    wrapped.remove('a');
    expect(wrapped.get('a')).toBeUndefined();
    expect(data.size).toBe(0);
    expect(calls).toEqual([['cookie', error]]);
  });

  it('stays on memory after the primary storage recovers', () => {
    const { store, data, broken } = breakableStore();
    const wrapped = withFallback('localStorage', store);
    broken.error = new Error('gone');
    wrapped.set('a', '1');
    delete broken.error;
    wrapped.set('b', '2');
    expect(data.size).toBe(0);
    expect(wrapped.keys().sort()).toEqual(['a', 'b']);
  });

  it('still deletes from the failed storage where deleting works', () => {
    const { store, data, broken } = breakableStore();
    const wrapped = withFallback('localStorage', store);
    wrapped.set('id', 'before');
    broken.error = new DOMException('full', 'QuotaExceededError');
    broken.removeWorks = true;
    wrapped.set('other', 'x');
    wrapped.remove('id');
    expect(data.has('id')).toBe(false);
  });

  it('never lets a throwing onFailure reach the caller', () => {
    const { store, broken } = breakableStore();
    broken.error = new Error('gone');
    let reports = 0;
    const wrapped = withFallback('file', store, () => {
      reports++;
      throw new Error('app bug');
    });
    expect(() => wrapped.set('a', '1')).not.toThrow();
    expect(wrapped.get('a')).toBe('1');
    expect(reports).toBe(1);
  });
});

describe('withAsyncFallback', () => {
  function breakableAsyncStore() {
    const data = new Map<string, number>();
    const inner = asyncMemoryStore<number>('', data);
    const broken: { error?: unknown } = {};
    const guard = async <T>(op: () => Promise<T>): Promise<T> => {
      if (broken.error) throw broken.error;
      return op();
    };
    const store: AsyncStore<number> = {
      get: (key) => guard(() => inner.get(key)),
      set: (key, value) => guard(() => inner.set(key, value)),
      remove: (key) => guard(() => inner.remove(key)),
      keys: () => guard(() => inner.keys()),
    };
    const syncThrowing: AsyncStore<number> = {
      get: () => {
        throw new ReferenceError('indexedDB is not defined');
      },
      set: () => {
        throw new ReferenceError('indexedDB is not defined');
      },
      remove: () => {
        throw new ReferenceError('indexedDB is not defined');
      },
      keys: () => {
        throw new ReferenceError('indexedDB is not defined');
      },
    };
    return { store, syncThrowing, data, broken };
  }

  it('reports a rejection once, even from concurrent operations, and falls back to memory', async () => {
    const { store, data, broken } = breakableAsyncStore();
    const { calls, onFailure } = recorder();
    const wrapped = withAsyncFallback('indexedDB', store, onFailure);
    await wrapped.set('before', 0);
    const error = new DOMException('nope', 'UnknownError');
    broken.error = error;

    await Promise.all([wrapped.set('a', 1), wrapped.set('b', 2), wrapped.get('a')]);
    expect(await wrapped.get('a')).toBe(1);
    expect((await wrapped.keys()).sort()).toEqual(['a', 'b']);
    expect(calls).toEqual([['indexedDB', error]]);
    expect([...data.keys()]).toEqual(['before']);
  });

  it('catches a synchronous throw from the primary store', async () => {
    const { syncThrowing } = breakableAsyncStore();
    const { calls, onFailure } = recorder();
    const wrapped = withAsyncFallback('indexedDB', syncThrowing, onFailure);
    await expect(wrapped.set('a', 1)).resolves.toBeUndefined();
    expect(await wrapped.get('a')).toBe(1);
    await expect(wrapped.remove('a')).resolves.toBeUndefined();
    expect(await wrapped.keys()).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('indexedDB');
    expect(calls[0][1]).toBeInstanceOf(ReferenceError);
  });
});
