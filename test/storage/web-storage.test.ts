/** @jest-environment jsdom */
import type { StoreKind } from '../../src/storage/types';
import { webStorage } from '../../src/storage/web-storage';

function recorder() {
  const calls: Array<[StoreKind, unknown]> = [];
  return { calls, onFailure: (kind: StoreKind, error: unknown) => void calls.push([kind, error]) };
}

/** Makes `window[area]` behave as in a sandboxed iframe or with site data blocked. */
function refuse(area: 'localStorage' | 'sessionStorage', how: 'throw' | 'null') {
  Object.defineProperty(window, area, {
    get() {
      if (how === 'null') return null;
      throw new DOMException('denied', 'SecurityError');
    },
    configurable: true,
  });
}

// jsdom defines the storage getters on the window object itself: keep them to put them back.
const originals = {
  localStorage: Object.getOwnPropertyDescriptor(window, 'localStorage')!,
  sessionStorage: Object.getOwnPropertyDescriptor(window, 'sessionStorage')!,
};

afterEach(() => {
  Object.defineProperty(window, 'localStorage', originals.localStorage);
  Object.defineProperty(window, 'sessionStorage', originals.sessionStorage);
  localStorage.clear();
  sessionStorage.clear();
});

describe('webStorage', () => {
  it('touches no storage when created', () => {
    const { calls, onFailure } = recorder();
    webStorage('localStorage', 'heed_', onFailure);
    webStorage('sessionStorage', 'heed_', onFailure);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);

    refuse('localStorage', 'throw');
    webStorage('localStorage', 'heed_', onFailure);
    expect(calls).toEqual([]);
  });

  it('stores prefixed keys and lists them without the prefix', () => {
    const store = webStorage('localStorage', 'heed_t1_');
    store.set('distinct_id', 'abc');
    store.set('device_id', 'dev');
    localStorage.setItem('unrelated', 'x');

    expect(localStorage.getItem('heed_t1_distinct_id')).toBe('abc');
    expect(store.get('distinct_id')).toBe('abc');
    expect(store.get('missing')).toBeUndefined();
    expect(store.keys().sort()).toEqual(['device_id', 'distinct_id']);
    store.remove('distinct_id');
    expect(localStorage.getItem('heed_t1_distinct_id')).toBeNull();
    expect(store.keys()).toEqual(['device_id']);
  });

  it('keeps two prefixes and the two areas apart', () => {
    const a = webStorage('localStorage', 'a_');
    const b = webStorage('localStorage', 'b_');
    const session = webStorage('sessionStorage', 'a_');
    a.set('k', '1');
    b.set('k', '2');
    expect(a.get('k')).toBe('1');
    expect(b.get('k')).toBe('2');
    expect(session.get('k')).toBeUndefined();
    session.set('k', '3');
    expect(sessionStorage.getItem('a_k')).toBe('3');
    expect(a.keys()).toEqual(['k']);
  });

  it.each(['localStorage', 'sessionStorage'] as const)(
    'falls back to memory when the %s getter throws a SecurityError',
    (area) => {
      refuse(area, 'throw');
      const { calls, onFailure } = recorder();
      const a = webStorage(area, 'a_', onFailure);
      const b = webStorage(area, 'b_');

      expect(() => a.set('k', '1')).not.toThrow();
      expect(a.get('k')).toBe('1');
      a.set('j', '2');
      expect(a.keys().sort()).toEqual(['j', 'k']);
      a.remove('j');
      expect(a.keys()).toEqual(['k']);
      expect(b.get('k')).toBeUndefined();
      expect(b.keys()).toEqual([]);

      expect(calls).toHaveLength(1);
      expect(calls[0][0]).toBe(area);
      expect((calls[0][1] as DOMException).name).toBe('SecurityError');
    },
  );

  it('falls back to memory when localStorage is null', () => {
    refuse('localStorage', 'null');
    const { calls, onFailure } = recorder();
    const store = webStorage('localStorage', 'a_', onFailure);
    expect(store.get('k')).toBeUndefined();
    store.set('k', 'v');
    expect(store.get('k')).toBe('v');
    expect(calls).toHaveLength(1);
    expect(calls[0][1]).toBeInstanceOf(TypeError);
  });

  it('falls back to memory on QuotaExceededError and still clears what it wrote before', () => {
    const { calls, onFailure } = recorder();
    const store = webStorage('localStorage', 'heed_', onFailure);
    store.set('distinct_id', 'abc');

    // jsdom enforces the usual 5 MB quota per origin, like browsers.
    const huge = 'x'.repeat(6_000_000);
    expect(() => store.set('outbox', huge)).not.toThrow();
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('localStorage');
    expect((calls[0][1] as DOMException).name).toBe('QuotaExceededError');

    expect(store.get('outbox')).toBe(huge);
    store.set('super', '{}');
    expect(localStorage.getItem('heed_super')).toBeNull();
    expect(store.get('super')).toBe('{}');

    // Opting out after the switch must not leave the old profile in localStorage.
    store.remove('distinct_id');
    expect(localStorage.getItem('heed_distinct_id')).toBeNull();
    expect(calls).toHaveLength(1);
  });
});
