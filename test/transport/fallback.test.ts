/** @jest-environment jsdom */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { post, verdict } from '../../src/transport';
import { useTracker } from '../helpers/tracker';

const rig = useTracker('fallbackTok');
const ev = (i: number) => ({ event: 'e', properties: { token: 'fallbackTok', distinct_id: 'u', time: Date.now(), $insert_id: 'i' + i } });
const g = globalThis as { fetch?: unknown };

describe('when fetch is a page’s broken wrapper', () => {
  let real: unknown;
  beforeEach(() => (real = g.fetch));
  afterEach(() => (g.fetch = real));

  it.each([
    ['throws', () => () => { throw new Error('broken polyfill'); }],
    // An extension's block: a synchronous TypeError is no network error (the engine's fetch never throws).
    ['throws a TypeError at once', () => () => { throw new TypeError('fetch is blocked by an extension'); }],
    ['rejects with a non-network error', () => () => Promise.reject(new Error('blocked by an extension'))],
  ])('fetch that %s: each batch goes by XMLHttpRequest instead; 5 of 5 delivered', async (_name, broken) => {
    const heed = rig.start();
    g.fetch = broken();
    for (let i = 0; i < 5; i++) heed.track('through xhr', { i });
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.properties.i)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a network error of the engine’s fetch (a TypeError) is not sent twice: it is a retry for later', async () => {
    await rig.server.close();
    const error = await post({ base: rig.server.url, format: 'json', ip: false }, 'track', [ev(1)]).catch((e: unknown) => e);
    expect(verdict(error)).toBe('retry');
    await rig.reopen();
  });
});

describe('a 2xx that is not an ingestion answer', () => {
  let server: Server;
  let url: string;
  const answer = (status: number, type: string, body: string) =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => req.resume().on('end', () => res.writeHead(status, { 'content-type': type, connection: 'close' }).end(body)));
      server.listen(0, '127.0.0.1', () => {
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  afterEach(() => new Promise((r) => server.close(r)));

  it.each([
    ['an HTML page (a captive portal, a proxy)', 'text/html', '<html>Sign in to the Wi-Fi</html>', 'retry'],
    ['junk', 'text/plain', 'okay!', 'retry'],
  ])('%s is no answer: retried, not counted as delivered', async (_name, type, body, expected) => {
    await answer(200, type, body);
    const error = await post({ base: url, format: 'json', ip: false }, 'track', [ev(2)]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HeedError', status: 502 });
    expect(verdict(error)).toBe(expected);
  });

  it.each([['1'], [''], ['{"status":1,"error":null}']])('%p is accepted', async (body) => {
    await answer(200, 'text/plain', body);
    await expect(post({ base: url, format: 'json', ip: false }, 'track', [ev(3)])).resolves.toBeUndefined();
  });

  it('an HTML 502 from a load balancer is retried', async () => {
    await answer(502, 'text/html', '<html>Bad Gateway</html>');
    const error = await post({ base: url, format: 'json', ip: false }, 'track', [ev(4)]).catch((e: unknown) => e);
    expect(verdict(error)).toBe('retry');
  });
});
