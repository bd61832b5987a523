import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHeed } from '../../src/entry/node';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'requestTok';
const rig = useTracker(TOKEN, createHeed, () => undefined);
const start = (config = {}) => (rig.start(config) as ReturnType<typeof createHeed>);
const web = (headers: Record<string, string>) => new Request('https://shop.example/checkout', { headers });
const FLAG = `__mp_opt_in_out_${TOKEN}`;

describe('forRequest: consent of the person behind an incoming request', () => {
  it.each([
    ['no decision, no signal', {}, 'granted', 1],
    ['Sec-GPC: 1 and no stored decision', { 'sec-gpc': '1' }, 'denied', 0],
    ["heed's '1' cookie (an explicit opt-in beats GPC)", { 'sec-gpc': '1', cookie: `other=1; ${FLAG}=1` }, 'granted', 1],
    ["heed's '0' cookie", { cookie: `${FLAG}=0` }, 'denied', 0],
    ['DNT: 1 and no stored decision', { dnt: '1' }, 'denied', 0],
  ])('%s: %s', async (_name, headers, status, sent) => {
    const heed = start();
    const scoped = heed.forRequest(web(headers as Record<string, string>), { distinct_id: 'user-1' });
    expect(scoped.status).toBe(status);
    scoped.track('Checkout', { total: 9 });
    scoped.people.set('plan', 'pro');
    await heed.flush();
    expect(rig.server.accepted('track').length).toBe(sent);
    expect(rig.server.accepted('engage').length).toBe(sent);
    if (sent) {
      expect(rig.server.accepted('track')[0].properties).toMatchObject({ distinct_id: 'user-1', total: 9 });
      expect(rig.server.accepted('track')[0].properties).not.toHaveProperty('$device_id'); // not the process's own
      expect(rig.server.accepted('engage')[0]).toMatchObject({ $distinct_id: 'user-1', $set: { plan: 'pro' } });
    }
  });

  it("a stored '0' is never overridden, ignore_gpc applies, opt_out_tracking_by_default means not yet", () => {
    expect(start({ ignore_gpc: true, ignore_dnt: true }).forRequest(web({ cookie: `${FLAG}=0`, 'sec-gpc': '1' })).status).toBe('denied');
    expect(start({ ignore_gpc: true }).forRequest(web({ 'sec-gpc': '1' })).status).toBe('granted');
    expect(start({ opt_out_tracking_by_default: true }).forRequest(web({})).status).toBe('pending');
    expect(start({ opt_out_tracking_by_default: true }).forRequest(web({ cookie: `${FLAG}=1` })).status).toBe('granted');
    expect(start({ opt_out_tracking_cookie_prefix: 'consent_' }).forRequest(web({ cookie: `consent_${TOKEN}=0` })).status).toBe('denied');
  });

  it("the person is the profile cookie's distinct_id when the site keeps heed's profile in a cookie", async () => {
    const heed = start();
    const profile = encodeURIComponent(JSON.stringify({ distinct_id: 'user-7', $device_id: 'dev-7' }));
    const scoped = heed.forRequest(web({ cookie: `mp_${TOKEN}_mixpanel=${profile}` }));
    expect(scoped.distinctId).toBe('user-7');
    scoped.track('Viewed');
    await heed.flush();
    expect(rig.server.accepted('track')[0].properties).toMatchObject({ distinct_id: 'user-7', $device_id: 'dev-7' });
  });

  it('works with a node:http IncomingMessage, and a suppressed person stays suppressed through it', async () => {
    const heed = start();
    await heed.suppress('user-9');
    const received: Array<{ status: string; sent: boolean }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      const scoped = heed.forRequest(req, { distinct_id: String(req.url).slice(1) });
      received.push({ status: scoped.status, sent: !!scoped.track('Hit') });
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<void>((resolve) => httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => res.resume().on('end', resolve)).end());
    await get('/user-1', { 'Sec-GPC': '1' });
    await get('/user-2');
    await get('/user-9');
    server.close();
    expect(received).toEqual([
      { status: 'denied', sent: false },
      { status: 'granted', sent: true },
      { status: 'granted', sent: false },
    ]);
  });
});
