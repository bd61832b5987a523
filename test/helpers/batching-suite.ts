import { apiBase } from '../../src/config';
import { endpointUrl } from '../../src/transport';
import { isHeedError } from '../../src/errors';
import type { Heed, InitConfig } from '../../src/types';
import { useTracker } from './tracker';

const TOKEN = 'batchTok';

/**
 * Batching and delivery, shared by the browser (jsdom) and Node entries: the behaviour is the
 * same, only the platform glue differs. `reset` restores platform state after each test.
 */
export function describeBatching(createHeed: () => Heed, reset: () => void = () => undefined): void {
  const rig = useTracker(TOKEN, createHeed, reset);
  const start = (config: InitConfig = {}) => rig.start(config);
  const track = (heed: Heed, n: number, results?: unknown[], from = 0) => {
    for (let i = from; i < from + n; i++) heed.track('e', { i }, (r) => void results?.push(r));
  };
  const delivered = () => rig.server.accepted('track').map((e) => e.properties.i as number);

  describe('batching', () => {
    it('batch_size triggers a send without waiting for the interval', async () => {
      const heed = start({ batch_size: 3 });
      track(heed, 2);
      await rig.server.quiet(100);
      expect(rig.server.requests).toHaveLength(0);
      track(heed, 1, undefined, 2);
      await rig.server.waitForRequests(1);
      expect(rig.server.requests.map((r) => r.items.length)).toEqual([3]);
      expect(delivered()).toEqual([0, 1, 2]);
    });

    it('batch_flush_interval_ms sends what is queued after the interval', async () => {
      const heed = start({ batch_flush_interval_ms: 80 });
      const t0 = Date.now();
      track(heed, 4);
      await rig.server.waitForRequests(1, 3000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
      expect(rig.server.requests.map((r) => r.items.length)).toEqual([4]);
    });

    it('keeps sending after the interval until the queue is empty', async () => {
      // 7 queued with batch_size 3 and no further track() calls: all must go out on their own.
      const heed = start({ batch_size: 50, batch_flush_interval_ms: 40 });
      track(heed, 7);
      heed.set_config({ batch_size: 3 });
      await rig.server.waitForRequests(3, 3000);
      expect(delivered()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(rig.server.requests.map((r) => r.items.length)).toEqual([3, 3, 1]);
    });

    it('retries after a server error on its own, without another track() or flush()', async () => {
      const heed = start({ batch_size: 2, batch_flush_interval_ms: 150 });
      rig.server.answer(500);
      track(heed, 2); // sent at once (batch_size), refused
      track(heed, 1, undefined, 2); // queued behind it
      await rig.server.waitForRequests(1);
      rig.server.answer(200);
      await rig.server.waitForRequests(3, 3000);
      await rig.server.quiet();
      expect(delivered().sort()).toEqual([0, 1, 2]);
    });

    it('await flush() resolves once the server acknowledged every item', async () => {
      const heed = start({ batch_size: 50 }); // the browser default; Node's is 1000
      const results: unknown[] = [];
      track(heed, 120, results);
      heed.people.set('a', 1);
      heed.get_group('g', 'x').set('a', 1);
      await heed.flush();
      // No waiting here: everything has arrived and every callback has run.
      expect(delivered()).toHaveLength(120);
      expect(rig.server.accepted('engage')).toHaveLength(1);
      expect(rig.server.accepted('groups')).toHaveLength(1);
      expect(results).toEqual(new Array(120).fill(1));
      expect(rig.server.requests.filter((r) => r.endpoint === 'track').map((r) => r.items.length)).toEqual([50, 50, 20]);
    });

    it('a callback that throws neither fails flush() nor keeps the other callbacks from running', async () => {
      const heed = start();
      const results: unknown[] = [];
      heed.track('a', {}, () => {
        throw new Error('app bug in a callback');
      });
      track(heed, 2, results);
      await expect(heed.flush()).resolves.toBeUndefined();
      expect(results).toEqual([1, 1]);

      // The same on the failure path (a 400 drops the batch and calls back 0).
      heed.track('b', {}, () => {
        throw new Error('app bug in a callback');
      });
      track(heed, 1, results);
      rig.server.answer(400);
      await expect(heed.flush()).rejects.toMatchObject({ status: 400 });
      expect(results).toEqual([1, 1, 0]);
    });

    it('never puts more than 2000 items in one request', async () => {
      const heed = start({ batch_size: 5000 });
      track(heed, 2001);
      await heed.flush();
      expect(rig.server.requests.map((r) => r.items.length)).toEqual([2000, 1]);
    });

    it('flush() rejects with a HeedError on 500, keeps the events and delivers them on the next flush', async () => {
      const heed = start();
      const results: unknown[] = [];
      track(heed, 5, results);
      rig.server.answer(500);
      const error = await heed.flush().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isHeedError(error)).toBe(true);
      expect(error).toMatchObject({ name: 'HeedError', status: 500 });
      expect(results).toEqual([]); // not settled yet: they will be retried

      rig.server.answer(200);
      await heed.flush();
      expect(delivered()).toEqual([0, 1, 2, 3, 4]);
      const ids = rig.server.accepted('track').map((e) => e.properties.$insert_id);
      // The retry is the same payload: same $insert_id, so the server can de-duplicate.
      expect(rig.server.requests[0].items.map((e: any) => e.properties.$insert_id)).toEqual(ids);
      expect(results).toEqual([1, 1, 1, 1, 1]);
    });

    it('400 drops the batch: flush() rejects, callbacks get 0, nothing is resent', async () => {
      const heed = start();
      const results: unknown[] = [];
      track(heed, 3, results);
      rig.server.answer(400);
      await expect(heed.flush()).rejects.toMatchObject({ name: 'HeedError', status: 400 });
      expect(results).toEqual([0, 0, 0]);

      rig.server.answer(200);
      await heed.flush();
      track(heed, 1, results, 3);
      await heed.flush();
      expect(rig.server.requests.map((r) => r.status)).toEqual([400, 200]);
      expect(delivered()).toEqual([3]);
      expect(results).toEqual([0, 0, 0, 1]);
    });

    it('an unreachable server is a network error: flush() rejects and the events are kept', async () => {
      const heed = start();
      const url = rig.server.url;
      await rig.server.close();
      track(heed, 2);
      const error = await heed.flush().then(() => undefined, (e: unknown) => e);
      expect(isHeedError(error)).toBe(true);
      // Reopen on another port and point the tracker there.
      await rig.reopen();
      expect(rig.server.url).not.toBe(url);
      heed.set_config({ api_host: rig.server.url });
      await heed.flush();
      expect(delivered()).toEqual([0, 1]);
    });
  });

  describe('wire format', () => {
    it('posts a form body data=<JSON> to <api_host>/track/?verbose=1&ip=1', async () => {
      const heed = start({ api_host: rig.server.url + '/' }); // a trailing slash is tolerated
      heed.track('x', { s: 'é ✓ & = %' });
      await heed.flush();
      const [r] = rig.server.requests;
      expect(r).toMatchObject({
        method: 'POST',
        path: '/track/',
        query: { verbose: '1', ip: '1' },
        format: 'json',
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(r.items[0].properties.s).toBe('é ✓ & = %');
    });

    it("api_payload_format: 'base64' sends base64 of the UTF-8 JSON", async () => {
      const heed = start({ api_payload_format: 'base64' });
      heed.track('x', { s: 'héllo ✓ 日本 😀' });
      heed.people.set('name', 'Zoë');
      await heed.flush();
      expect(rig.server.requests.map((r) => r.format)).toEqual(['base64', 'base64']);
      expect(rig.server.accepted('track')[0].properties.s).toBe('héllo ✓ 日本 😀');
      expect(rig.server.accepted('engage')[0].$set.name).toBe('Zoë');
    });

    it('ip: false asks the server not to geolocate (ip=0)', async () => {
      const heed = start({ ip: false });
      heed.track('x');
      await heed.flush();
      expect(rig.server.requests[0].query.ip).toBe('0');
    });

    it("api_host 'eu' / 'in' / 'us' resolve to Mixpanel's regional hosts", async () => {
      const heed = createHeed();
      heed.init(TOKEN, { api_host: 'eu' });
      expect(heed.get_config('api_host')).toBe('eu');
      const urls = (['us', 'eu', 'in'] as const).map((h) => endpointUrl({ base: apiBase(h), format: 'json', ip: true }, 'track'));
      expect(urls).toEqual([
        'https://api-js.mixpanel.com/track/?verbose=1&ip=1',
        'https://api-eu.mixpanel.com/track/?verbose=1&ip=1',
        'https://api-in.mixpanel.com/track/?verbose=1&ip=1',
      ]);

      // And the tracker really uses it: catch the request at fetch, so nothing leaves the machine.
      const g = globalThis as { fetch: unknown };
      const real = g.fetch;
      const seen: string[] = [];
      g.fetch = async (url: string) => {
        seen.push(String(url));
        return { ok: true, status: 200, headers: new Headers(), text: async () => '{"status":1}' };
      };
      try {
        heed.track('x');
        heed.people.set('a', 1);
        await heed.flush();
      } finally {
        g.fetch = real;
      }
      expect(seen.sort()).toEqual([
        'https://api-eu.mixpanel.com/engage/?verbose=1&ip=1',
        'https://api-eu.mixpanel.com/track/?verbose=1&ip=1',
      ]);
    });
  });
}
