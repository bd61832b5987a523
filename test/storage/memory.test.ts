import * as storage from '../../src/storage';
import { asyncMemoryStore, memoryStore } from '../../src/storage/memory';

describe('memoryStore', () => {
  it('keeps values under its namespace', () => {
    const store = memoryStore('a_');
    expect(store.get('x')).toBeUndefined();
    store.set('x', '1');
    store.set('y', '2');
    expect(store.get('x')).toBe('1');
    expect(store.keys().sort()).toEqual(['x', 'y']);
    store.remove('x');
    expect(store.get('x')).toBeUndefined();
    expect(store.keys()).toEqual(['y']);
  });

  it('keeps namespaces apart in a shared map', () => {
    const map = new Map<string, string>();
    const a = memoryStore('a_', map);
    const b = memoryStore('b_', map);
    a.set('k', 'from a');
    b.set('k', 'from b');
    expect(a.get('k')).toBe('from a');
    expect(b.get('k')).toBe('from b');
    expect([...map.keys()].sort()).toEqual(['a_k', 'b_k']);
    a.remove('k');
    expect(a.keys()).toEqual([]);
    expect(b.keys()).toEqual(['k']);
  });

  it('gives each store its own map by default', () => {
    memoryStore('p_').set('k', '1');
    expect(memoryStore('p_').get('k')).toBeUndefined();
  });
});

describe('asyncMemoryStore', () => {
  it('keeps structured values under its namespace', async () => {
    const map = new Map<string, { n: number }>();
    const a = asyncMemoryStore<{ n: number }>('a:', map);
    const b = asyncMemoryStore<{ n: number }>('b:', map);
    await a.set('k', { n: 1 });
    await b.set('k', { n: 2 });
    expect(await a.get('k')).toEqual({ n: 1 });
    expect(await b.keys()).toEqual(['k']);
    await a.remove('k');
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toEqual({ n: 2 });
  });
});

describe('storage index', () => {
  it('exports the browser-safe API and not the Node file store', () => {
    expect(Object.keys(storage).sort()).toEqual([
      'asyncMemoryStore',
      'cookieStore',
      'dropDatabaseIfEmpty',
      'idbStore',
      'memoryStore',
      'webStorage',
      'withAsyncFallback',
      'withFallback',
    ]);
  });
});
