/** @jest-environment jsdom */
import { patch } from '../helpers/browser';
import { useTracker } from '../helpers/tracker';

const rig = useTracker('deliveryOptTok');

/** navigator.sendBeacon, recording what it is handed (jsdom has none). */
function beacons(accept = true) {
  const sent: Array<{ url: string; body: string }> = [];
  patch(navigator, 'sendBeacon', {
    value: (url: string, body: Blob) => {
      const reader = new FileReader(); // jsdom's Blob has no text()
      reader.onload = () => sent.push({ url, body: String(reader.result) });
      reader.readAsText(body);
      return accept;
    },
  });
  return sent;
}
const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

describe('where requests go', () => {
  it('api_routes and api_hosts (both key styles) shape every URL; api_extra_query_params and test are added', async () => {
    const heed = rig.start({
      api_routes: { track: 'e/', engage: '/p/' },
      api_hosts: { people: rig.server.url + '/people-host', groups: rig.server.url + '/groups-host/' },
      api_extra_query_params: { site: 'a b', v: '2' },
      test: true,
    });
    heed.track('x');
    heed.people.set('a', 1);
    heed.get_group('g', 1).set('b', 2);
    await heed.flush();
    expect(rig.server.requests.map((r) => r.path).sort()).toEqual(['/e/', '/groups-host/groups/', '/people-host/p/']);
    for (const r of rig.server.requests) expect(r.query).toMatchObject({ site: 'a b', v: '2', test: '1', verbose: '1' });
    expect(heed.get_api_host('people')).toBe(rig.server.url + '/people-host');
    expect(heed.get_api_host('engage')).toBe(rig.server.url + '/people-host');
    expect(heed.get_api_host()).toBe(rig.server.url);
  });

  it('xhr_headers are sent with each request; api_payload_format base64 encodes the body', async () => {
    const heed = rig.start({ xhr_headers: { 'X-Site': 'shop' }, api_payload_format: 'base64' });
    heed.track('x', { s: 'é' });
    await heed.flush();
    const [r] = rig.server.requests;
    expect(r.headers['x-site']).toBe('shop');
    expect(r.format).toBe('base64');
    expect(r.items[0].properties.s).toBe('é');
  });

  it("api_method: 'GET' puts data= in the query string and splits batches that would make URLs too long", async () => {
    const heed = rig.start({ api_method: 'GET', batch_size: 50 });
    for (let i = 0; i < 50; i++) heed.track('get', { i, pad: 'x'.repeat(100) });
    await heed.flush();
    expect(rig.server.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(rig.server.requests.length).toBeGreaterThan(1);
    expect(rig.server.accepted('track').map((e) => e.properties.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('batching options', () => {
  it('batch_requests: false sends each call in its own request at once', async () => {
    const heed = rig.start({ batch_requests: false });
    heed.track('a');
    heed.track('b');
    heed.people.set('c', 1);
    await rig.server.waitForRequests(3);
    expect(rig.server.requests.map((r) => r.items.length)).toEqual([1, 1, 1]);
  });

  it('batch_autostart: false queues until start_batch_senders(); flush() still sends', async () => {
    const heed = rig.start({ batch_autostart: false, batch_size: 2, batch_flush_interval_ms: 20 });
    heed.track('a');
    heed.track('b');
    await rig.server.quiet(100);
    expect(rig.server.requests).toEqual([]);
    heed.start_batch_senders();
    await rig.server.waitForRequests(1);
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['a', 'b']);
    heed.set_config({ batch_autostart: false });
  });

  it('stop_batch_senders() sends what is queued, then each call at once', async () => {
    const heed = rig.start();
    heed.track('queued');
    heed.stop_batch_senders();
    await rig.server.waitForRequests(1);
    heed.track('alone');
    await rig.server.waitForRequests(2);
    expect(rig.server.requests.map((r) => r.items.map((e: { event: string }) => e.event))).toEqual([['queued'], ['alone']]);
  });
});

describe('beacons', () => {
  it("track(..., { transport: 'sendBeacon' }) hands the event to sendBeacon at once, and calls back 1", async () => {
    const sent = beacons();
    const heed = rig.start();
    const results: unknown[] = [];
    heed.track('leaving', { to: 'checkout' }, { transport: 'sendBeacon' }, (r) => results.push(r));
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe(`${rig.server.url}/track/?verbose=1&ip=1`);
    expect(JSON.parse(new URLSearchParams(sent[0].body).get('data')!)[0]).toMatchObject({ event: 'leaving', properties: { to: 'checkout' } });
    expect(results).toEqual([1]);
    await heed.flush();
    expect(rig.server.requests).toEqual([]); // not queued as well
  });

  it("api_transport: 'sendBeacon' sends every item that way; a refused beacon falls back to the queue", async () => {
    const refused = beacons(false);
    const heed = rig.start({ api_transport: 'sendBeacon' });
    heed.track('still delivered');
    await heed.flush();
    await tick();
    expect(refused).toHaveLength(1);
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['still delivered']);
  });
});

describe('callbacks', () => {
  it('verbose: true passes the server answer {status, error}; refusals stay 0', async () => {
    const heed = rig.start({ verbose: true });
    const results: unknown[] = [];
    heed.track('ok', {}, (r) => results.push(r));
    await heed.flush();
    rig.server.answer(400);
    heed.track('bad', {}, (r) => results.push(r));
    await heed.flush().catch(() => undefined);
    heed.opt_out_tracking({ delete_user: false });
    heed.track('refused', {}, (r) => results.push(r));
    expect(results).toEqual([{ status: 1, error: null }, { status: 0, error: expect.stringContaining('400') }, 0]);
  });
});
