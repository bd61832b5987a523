import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeedError, isHeedError } from '../../src/errors';
import { post, retryDelay, type TransportOptions } from '../../src/transport';
import { ev, startBench, type Bench } from '../helpers/collector';

const CAP = 600_000;
const bound = (attempt: number) => Math.min(CAP, 2000 * 2 ** attempt);
const failure = (status?: number, retryAfter?: number) => Object.assign(new HeedError('x', status), { retryAfter });

afterEach(() => jest.restoreAllMocks());

describe('retryDelay: the one retry decision', () => {
  test('full jitter: uniform in [0, min(10 min, 2 s · 2^attempt)]', () => {
    for (let attempt = 0; attempt <= 14; attempt++) {
      const samples = Array.from({ length: 400 }, () => retryDelay(failure(503), attempt)!);
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...samples)).toBeLessThanOrEqual(bound(attempt));
      // Spread over the whole range, not clustered at the bound (that would be "equal jitter").
      expect(Math.min(...samples)).toBeLessThan(bound(attempt) * 0.1);
      expect(Math.max(...samples)).toBeGreaterThan(bound(attempt) * 0.9);
    }
  });

  test('the bound doubles from 2 s and stops at 10 min', () => {
    jest.spyOn(Math, 'random').mockReturnValue(1 - Number.EPSILON);
    const top = [0, 1, 2, 3, 8, 9, 20].map((n) => Math.round(retryDelay(failure(), n)!));
    expect(top).toEqual([2000, 4000, 8000, 16000, 512000, CAP, CAP]);
    jest.spyOn(Math, 'random').mockReturnValue(0);
    expect(retryDelay(failure(500), 5)).toBe(0);
  });

  test('Retry-After wins over the backoff, for 429 and 5xx, capped at 10 min', () => {
    expect(retryDelay(failure(429, 1000), 0)).toBe(1000);
    expect(retryDelay(failure(429, 1000), 12)).toBe(1000);
    expect(retryDelay(failure(503, 0), 3)).toBe(0);
    expect(retryDelay(failure(429, 3_600_000), 0)).toBe(CAP);
  });

  test.each([408, 429, 500, 502, 503, 504])('%i is retried', (status) => {
    expect(retryDelay(failure(status), 0)).toEqual(expect.any(Number));
  });

  test('a network error or timeout (no status) is retried', () => {
    expect(retryDelay(new HeedError('track: network error'), 0)).toEqual(expect.any(Number));
  });

  test.each([400, 401, 403, 404, 413, 422])('%i is never retried, Retry-After or not', (status) => {
    expect(retryDelay(failure(status), 0)).toBeUndefined();
    expect(retryDelay(failure(status, 1000), 0)).toBeUndefined();
  });
});

describe('post()', () => {
  let bench: Bench;
  let o: TransportOptions;
  beforeAll(async () => {
    bench = await startBench();
    o = { base: bench.url, format: 'json', ip: false };
  });
  afterAll(() => bench.close());

  /** A server that answers every request with `status`, `headers` and `body`. */
  async function answering(status: number, headers: Record<string, string>, body: string): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status, { connection: 'close', ...headers }).end(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }

  test('resolves when the collector stores the batch', async () => {
    await post(o, 'track', [ev(1), ev(2)]);
    expect(bench.rows().map((r) => r.i)).toEqual([1, 2]);
  });

  test('429 rejects with the status and Retry-After (delta-seconds) in ms', async () => {
    await bench.fault({ mode: '429', count: 1, retryAfter: 2 });
    const error = await post(o, 'track', [ev(3)]).catch((e: unknown) => e);
    expect(isHeedError(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, retryAfter: 2000, message: 'track: HTTP 429' });
  });

  test('Retry-After as an HTTP date is read relative to now', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    const { url, server } = await answering(503, { 'retry-after': date }, '');
    try {
      const error = (await post({ ...o, base: url }, 'track', [ev(4)]).catch((e: unknown) => e)) as HeedError;
      expect(error.status).toBe(503);
      expect(error.retryAfter).toBeGreaterThan(25_000);
      expect(error.retryAfter).toBeLessThanOrEqual(30_000);
    } finally {
      server.close();
    }
  });

  test('a 200 whose verbose answer is {status: 0} is a rejection (400): never retried', async () => {
    const { url, server } = await answering(200, { 'content-type': 'application/json' }, '{"status":0,"error":"bad token"}');
    try {
      const error = await post({ ...o, base: url }, 'track', [ev(5)]).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400, message: 'track: rejected: bad token' });
      expect(retryDelay(error, 0)).toBeUndefined();
    } finally {
      server.close();
    }
  });

  test('a reset connection is a network error without a status, with the cause kept', async () => {
    await bench.fault({ mode: 'reset', count: 1 });
    const error = (await post(o, 'track', [ev(6)]).catch((e: unknown) => e)) as HeedError;
    expect(error).toMatchObject({ name: 'HeedError', status: undefined, message: 'track: network error' });
    expect((error.cause as Error).name).toBe('TypeError'); // fetch's, from undici's realm
    expect(retryDelay(error, 0)).toEqual(expect.any(Number));
  });

  test('an aborted request (the outbox timeout) rejects as a network error', async () => {
    await bench.fault({ mode: 'hang', count: 1 });
    const c = new AbortController();
    setTimeout(() => c.abort(), 100);
    const error = (await post(o, 'track', [ev(7)], c.signal).catch((e: unknown) => e)) as HeedError;
    expect(error).toMatchObject({ status: undefined, message: 'track: network error' });
  });
});
