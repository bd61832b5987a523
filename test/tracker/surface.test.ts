/** @jest-environment jsdom */
import { deviceProperties } from '../../src/entry/device';
import { cookies, localEntries, patch } from '../helpers/browser';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'surfaceTok';
const rig = useTracker(TOKEN);
const sent = async (heed: { flush(): Promise<void> }) => (await heed.flush(), rig.server.accepted('track'));

describe('return values, as mixpanel-browser returns them', () => {
  it('track(), people.*, group operations and get_group().* return what they queued; refused calls return undefined', async () => {
    const heed = rig.start();
    const event = heed.track('e', { a: 1 });
    const person = heed.people.increment('n', 2);
    const grouped = heed.set_group('company', 'acme');
    const group = heed.get_group('company', 'acme').union('tags', ['x']);
    await heed.flush();
    expect(event).toEqual(rig.server.accepted('track')[0]);
    expect(person).toEqual(rig.server.accepted('engage')[0]);
    expect(grouped).toMatchObject({ $set: { company: ['acme'] } });
    expect(group).toEqual(rig.server.accepted('groups')[0]);
    heed.opt_out_tracking({ delete_user: false });
    expect([heed.track('x'), heed.people.set('a', 1), heed.get_group('c', 1).set('a', 1)]).toEqual([undefined, undefined, undefined]);
  });
});

describe('more of the surface', () => {
  it('track_with_groups adds the group keys to the event', async () => {
    const heed = rig.start();
    heed.track_with_groups('purchase', { product: 'iphone' }, { University: ['UCB', 'UCLA'] });
    expect((await sent(heed))[0].properties).toMatchObject({ product: 'iphone', University: ['UCB', 'UCLA'] });
  });

  it('disable(events) and disable() stop those events (callback 0); enable() undoes it', async () => {
    const heed = rig.start();
    const results: unknown[] = [];
    heed.disable(['noisy']);
    heed.track('noisy', {}, (r) => results.push(r));
    heed.track('kept');
    heed.disable();
    heed.track('kept too?');
    heed.enable();
    heed.track('back');
    expect((await sent(heed)).map((e) => e.event)).toEqual(['kept', 'back']);
    expect(results).toEqual([0]);
  });

  it("push(['method', ...args]) runs a call as mixpanel-browser's array snippet records it", async () => {
    const heed = rig.start();
    heed.push(['register', { via: 'push' }]);
    heed.push(['track', 'pushed', { a: 1 }]);
    heed.push(function (this: typeof heed) {
      this.track('from a function');
    });
    heed.push(['no_such_method']);
    expect((await sent(heed)).map((e) => [e.event, e.properties.via])).toEqual([['pushed', 'push'], ['from a function', 'push']]);
  });

  it('name_tag registers mp_name_tag', () => {
    const heed = rig.start();
    heed.name_tag('Ada');
    expect(heed.get_property('mp_name_tag')).toBe('Ada');
  });

  it('register(props, days) expires those super properties after so many days', () => {
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(1_700_000_000_000);
      rig.start().register({ trial: 'yes' }, 7);
      rig.start().register_once({ promo: 'spring' }, 'None', { days: 30 });
      now.mockReturnValue(1_700_000_000_000 + 8 * 864e5);
      const later = rig.start();
      expect([later.get_property('trial'), later.get_property('promo')]).toEqual([undefined, 'spring']);
    } finally {
      now.mockRestore();
    }
  });

  it('track_links and track_forms track the click or submission with a beacon, without holding navigation back', async () => {
    const handed: string[] = [];
    patch(navigator, 'sendBeacon', { value: () => (handed.push('beacon'), true) });
    document.body.innerHTML = '<a id="l" href="#next">go</a><form id="f"><button>send</button></form>';
    const heed = rig.start();
    expect(heed.track_links('#l', 'Link clicked', (el) => ({ id: el.id }))).toBe(true);
    expect(heed.track_forms(document.getElementById('f')!, 'Form sent', { form: 'signup' })).toBe(true);
    expect(heed.track_links('.missing', 'Nothing')).toBe(false);
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    document.getElementById('l')!.dispatchEvent(click);
    document.getElementById('f')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(click.defaultPrevented).toBe(false);
    expect(handed).toEqual(['beacon', 'beacon']);
  });
});

describe('persistence options', () => {
  it('disable_persistence (and disable_cookie) store nothing but the consent decision', async () => {
    for (const option of ['disable_persistence', 'disable_cookie'] as const) {
      const heed = rig.start({ [option]: true, persistence: 'cookie' });
      heed.identify('user-1');
      heed.register({ plan: 'pro' });
      heed.track('e');
      heed.opt_in_tracking({ track: false });
      await heed.flush();
      expect(localEntries()).toEqual({ [`__mp_opt_in_out_${TOKEN}`]: '1' });
      expect(cookies()).toEqual({});
      expect(heed.get_property('plan')).toBe('pro'); // kept in memory
      localStorage.clear();
    }
  });

  it('persistence_name (or cookie_name) names the stored profile mp_<name>', () => {
    rig.start({ persistence_name: 'shop' }).register({ a: 1 });
    rig.start({ cookie_name: 'legacy', persistence: 'cookie' }).register({ b: 2 });
    expect(JSON.parse(localStorage.getItem('mp_shop')!)).toMatchObject({ a: 1 });
    expect(decodeURIComponent(cookies().mp_legacy)).toContain('"b":2');
  });

  it('cross_site_cookie writes SameSite=None; Secure cookies', () => {
    const written: string[] = [];
    const own = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
    patch(document, 'cookie', { get: () => own.get!.call(document), set: (v: string) => (written.push(v), own.set!.call(document, v)) });
    rig.start({ persistence: 'cookie', cross_site_cookie: true }).register({ a: 1 });
    expect(written.filter((c) => c.startsWith(`mp_${TOKEN}_mixpanel=%7B`))).toEqual([expect.stringMatching(/SameSite=None; Secure/)]);
  });
});

describe('device properties, with mixpanel-browser’s names', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.61 Safari/537.36', 'Google Inc.', { $os: 'Windows', $browser: 'Chrome', $browser_version: 126 }],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Apple Computer, Inc.', { $os: 'iOS', $browser: 'Mobile Safari', $browser_version: 17.5, $device: 'iPhone' }],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Apple Computer, Inc.', { $os: 'Mac OS X', $browser: 'Safari', $browser_version: 17.5 }],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0', '', { $os: 'Linux', $browser: 'Firefox', $browser_version: 127 }],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.56', 'Google Inc.', { $os: 'Windows', $browser: 'Microsoft Edge', $browser_version: 126 }],
    ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36', 'Google Inc.', { $os: 'Android', $browser: 'Samsung Internet', $browser_version: 25, $device: 'Android' }],
  ])('%s', (ua, vendor, expected) => {
    expect(deviceProperties(ua, vendor)).toEqual(expected);
  });
});
