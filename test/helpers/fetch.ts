import { Buffer } from 'node:buffer';
import { request } from 'node:http';

interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | null;
}

interface FetchResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

const abortError = () => Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });

/**
 * The part of `fetch` heed's transport uses, over `node:http`. Jest's jsdom environment has no
 * `fetch` (jsdom does not implement it and hides Node's undici one), so browser-side tests install
 * this one: requests still go over a real socket to the test server. Plain http only.
 */
export function nodeFetch(input: string, init: FetchInit = {}): Promise<FetchResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = init;
    if (signal?.aborted) return reject(abortError());
    const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
    const req = request(
      input,
      {
        method: init.method || 'GET',
        headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: false, // one connection per request: nothing is left open after a test
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode || 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            headers: { get: (name: string) => (res.headers[name.toLowerCase()] as string | undefined) ?? null },
            text: () => Promise.resolve(text),
            json: () => new Promise((ok) => ok(JSON.parse(text))),
          });
        });
      },
    );
    const onAbort = () => req.destroy(abortError());
    signal?.addEventListener('abort', onAbort, { once: true });
    // As the real fetch does: a network failure is a TypeError (with the cause), an abort an AbortError.
    req.on('error', (e) => reject(signal?.aborted ? abortError() : Object.assign(new TypeError('fetch failed'), { cause: e })));
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.end(body);
  });
}

/** Install {@link nodeFetch} as the global `fetch` where the environment has none (jsdom). */
export function useNodeFetch(): void {
  const g = globalThis as { fetch?: unknown };
  const had = g.fetch;
  beforeAll(() => {
    if (typeof had !== 'function') g.fetch = nodeFetch;
  });
  afterAll(() => {
    g.fetch = had;
  });
}
