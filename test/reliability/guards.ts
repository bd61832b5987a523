import { nodeFetch } from '../helpers/fetch';

/**
 * What the property runs put around the tracker: every request goes to the test server (a
 * generated `api_host` such as `'eu'` must not reach the internet, and its payload is checked like
 * any other), and errors that surface later (a rejection nobody handled, an error in a timer) are
 * collected, to count as throws.
 */
export interface WireGuard {
  /** Uncaught errors and unhandled rejections since the last look (take them with `splice`). */
  errors: string[];
}

type Fetch = (input: string, init?: object) => Promise<unknown>;

/** Install the guard for this test file (beforeAll) and take it down after (afterAll). */
export function useWireGuard(server: () => string): WireGuard {
  const guard: WireGuard = { errors: [] };
  const g = globalThis as unknown as { fetch?: Fetch; XMLHttpRequest?: { prototype: { open(...a: unknown[]): void } }; navigator?: { sendBeacon?: unknown } };
  const realFetch = g.fetch;
  const open = g.XMLHttpRequest?.prototype.open;
  const onRejection = (reason: unknown) => void guard.errors.push(`unhandled rejection: ${String(reason)}`);
  const onError = (event: { message?: string; error?: unknown; preventDefault(): void }) => {
    event.preventDefault(); // counted here, not printed by jsdom's virtual console
    guard.errors.push(`uncaught: ${String(event.error ?? event.message)}`);
  };
  /** Where a request to `url` really goes: the same path and query on the test server. */
  const redirect = (url: string) => {
    const parsed = new URL(url); // a relative URL throws, as Node's fetch does
    return new URL(parsed.pathname + parsed.search, server()).href;
  };

  beforeAll(() => {
    const base = typeof realFetch === 'function' ? realFetch : nodeFetch; // jsdom has no fetch
    g.fetch = (input, init) => {
      let url: string;
      try {
        url = redirect(String(input));
      } catch (e) {
        return Promise.reject(e);
      }
      return (base as Fetch)(url, init);
    };
    if (open) {
      g.XMLHttpRequest!.prototype.open = function (this: unknown, method: unknown, url: unknown, ...rest: unknown[]) {
        return open.call(this, method, redirect(String(url)), ...rest);
      };
    }
    process.on('unhandledRejection', onRejection);
    if (typeof window !== 'undefined') window.addEventListener('error', onError);
  });
  afterAll(() => {
    g.fetch = realFetch;
    if (open) g.XMLHttpRequest!.prototype.open = open;
    process.off('unhandledRejection', onRejection);
    if (typeof window !== 'undefined') window.removeEventListener('error', onError);
  });
  return guard;
}

/**
 * A tracker has no way to be disposed of: its page listeners (pagehide, online, visibilitychange)
 * keep it alive for the page's life, which is right for a page and ruinous for tens of thousands
 * of runs in one jsdom (each kept ~80 KB; the heap and GC time grew without end). `sweep()`
 * removes every listener added since the last sweep, so a finished run can be collected.
 */
export function useListenerSweep(): { sweep(): void } {
  const added: Array<[EventTarget, string, EventListenerOrEventListenerObject | null, unknown]> = [];
  const proto = typeof EventTarget === 'function' ? EventTarget.prototype : undefined;
  const add = proto?.addEventListener;
  beforeAll(() => {
    if (!proto || !add) return;
    proto.addEventListener = function (this: EventTarget, type: string, listener: EventListenerOrEventListenerObject | null, options?: unknown) {
      added.push([this, type, listener, options]);
      return add.call(this, type, listener, options as AddEventListenerOptions);
    };
  });
  afterAll(() => {
    if (proto && add) proto.addEventListener = add;
  });
  return {
    sweep() {
      for (const [target, type, listener, options] of added.splice(0)) target.removeEventListener(type, listener, options as EventListenerOptions);
    },
  };
}

const WATCHED: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
];

/** The built-in prototypes now; the returned function names what changed since, or returns ''. */
export function pollutionCheck(): () => string {
  const before = WATCHED.map(([, proto]) => descriptors(proto));
  return () => {
    const changed: string[] = [];
    WATCHED.forEach(([name, proto], i) => {
      const now = descriptors(proto);
      const was = before[i]!;
      for (const key of new Set([...was.keys(), ...now.keys()])) {
        const a = was.get(key);
        const b = now.get(key);
        if (!a || !b || a.value !== b.value || a.get !== b.get || a.set !== b.set) changed.push(`${name}[${String(key)}]`);
      }
    });
    return changed.join(', ');
  };
}

function descriptors(o: object): Map<PropertyKey, PropertyDescriptor> {
  const map = new Map<PropertyKey, PropertyDescriptor>();
  for (const key of Reflect.ownKeys(o)) map.set(key, Object.getOwnPropertyDescriptor(o, key)!);
  return map;
}
