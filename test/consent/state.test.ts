/** @jest-environment jsdom */
import { createHeed, type ConsentSource, type ConsentStatus, type Heed, type InitConfig } from '../../src/entry/browser';
import { cookies, localEntries, patch, refuseLocalStorage, resetBrowser, signal } from '../helpers/browser';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'consentTok';
const FLAG = '__mp_opt_in_out_' + TOKEN;

const rig = useTracker(TOKEN);

/** A tracker pointed at the test server; `changes` collects every onConsentChange call. */
function start(config: InitConfig = {}) {
  const heed = createHeed();
  const changes: Array<[ConsentStatus, ConsentSource]> = [];
  heed.onConsentChange((status, source) => changes.push([status, source]));
  heed.init(TOKEN, { api_host: rig.server.url, batch_flush_interval_ms: 60_000, ...config });
  return { heed, changes };
}

const snapshot = (heed: Heed) => ({
  status: heed.consent.status(),
  in: heed.has_opted_in_tracking(),
  out: heed.has_opted_out_tracking(),
  flag: localStorage.getItem(FLAG),
});

interface Setup {
  name: string;
  config?: InitConfig;
  signals?: () => void;
  /** The status with no stored decision. */
  start: ConsentStatus;
}

const setups: Setup[] = [
  { name: 'no decision, no signal', start: 'granted' },
  { name: 'opt_out_tracking_by_default', config: { opt_out_tracking_by_default: true }, start: 'pending' },
  { name: "navigator.doNotTrack '1'", signals: () => signal('navigator', 'doNotTrack', '1'), start: 'denied' },
  { name: "navigator.doNotTrack 'yes'", signals: () => signal('navigator', 'doNotTrack', 'yes'), start: 'denied' },
  { name: "window.doNotTrack '1'", signals: () => signal('window', 'doNotTrack', '1'), start: 'denied' },
  { name: "navigator.msDoNotTrack '1'", signals: () => signal('navigator', 'msDoNotTrack', '1'), start: 'denied' },
  { name: 'navigator.globalPrivacyControl true', signals: () => signal('navigator', 'globalPrivacyControl', true), start: 'denied' },
  { name: "navigator.doNotTrack '0'", signals: () => signal('navigator', 'doNotTrack', '0'), start: 'granted' },
  { name: "navigator.doNotTrack 'unspecified'", signals: () => signal('navigator', 'doNotTrack', 'unspecified'), start: 'granted' },
  { name: 'navigator.globalPrivacyControl false', signals: () => signal('navigator', 'globalPrivacyControl', false), start: 'granted' },
  {
    name: 'DNT with ignore_dnt',
    config: { ignore_dnt: true },
    signals: () => signal('navigator', 'doNotTrack', '1'),
    start: 'granted',
  },
  {
    name: 'GPC with ignore_gpc',
    config: { ignore_gpc: true },
    signals: () => signal('navigator', 'globalPrivacyControl', true),
    start: 'granted',
  },
  {
    name: 'DNT with only ignore_gpc',
    config: { ignore_gpc: true },
    signals: () => signal('navigator', 'doNotTrack', '1'),
    start: 'denied',
  },
  {
    name: 'GPC with only ignore_dnt',
    config: { ignore_dnt: true },
    signals: () => signal('navigator', 'globalPrivacyControl', true),
    start: 'denied',
  },
  {
    name: 'DNT and GPC with ignore_dnt and ignore_gpc',
    config: { ignore_dnt: true, ignore_gpc: true },
    signals: () => {
      signal('window', 'doNotTrack', '1');
      signal('navigator', 'globalPrivacyControl', true);
    },
    start: 'granted',
  },
  {
    name: 'DNT and opt_out_tracking_by_default (the signal wins over pending)',
    config: { opt_out_tracking_by_default: true },
    signals: () => signal('navigator', 'doNotTrack', '1'),
    start: 'denied',
  },
];

describe('consent state machine', () => {
  describe.each(setups)('$name', ({ config, signals, start: initial }) => {
    it(`starts ${initial} and moves through opt-in, opt-out and clear`, () => {
      signals?.();
      const { heed, changes } = start(config);

      // No decision stored: the status follows the signals; only `granted` is "not opted out".
      expect(snapshot(heed)).toEqual({ status: initial, in: false, out: initial !== 'granted', flag: null });

      // Walk every transition and record the status after each step.
      const steps: Array<[string, () => void, ConsentStatus, string | null]> = [
        ['opt_in', () => heed.opt_in_tracking({ track: false }), 'granted', '1'],
        ['opt_in again', () => heed.opt_in_tracking({ track: false }), 'granted', '1'],
        ['opt_out', () => heed.opt_out_tracking(), 'denied', '0'],
        ['opt_out again', () => heed.opt_out_tracking(), 'denied', '0'],
        ['clear after opt_out', () => heed.clear_opt_in_out_tracking(), initial, null],
        ['opt_out from no decision', () => heed.opt_out_tracking(), 'denied', '0'],
        ['opt_in after opt_out', () => heed.opt_in_tracking({ track: false }), 'granted', '1'],
        ['clear after opt_in', () => heed.clear_opt_in_out_tracking(), initial, null],
        ['clear with nothing stored', () => heed.clear_opt_in_out_tracking(), initial, null],
      ];
      const expectedChanges: Array<[ConsentStatus, ConsentSource]> = [];
      let previous = initial;
      for (const [step, run, status, flag] of steps) {
        run();
        expect({ step, ...snapshot(heed) }).toEqual({
          step,
          status,
          in: flag === '1',
          out: status !== 'granted',
          flag,
        });
        if (status !== previous) expectedChanges.push([status, 'api']);
        previous = status;
      }
      // The listener hears every change of status, and nothing else.
      expect(changes).toEqual(expectedChanges);
    });
  });

  it('does not announce the initial status', () => {
    const { changes } = start({ opt_out_tracking_by_default: true });
    expect(changes).toEqual([]);
  });

  it('reports neither opted in nor opted out before init', () => {
    const heed = createHeed();
    expect(heed.has_opted_in_tracking()).toBe(false);
    expect(heed.has_opted_out_tracking()).toBe(false);
    expect(heed.consent.status()).toBe('pending');
  });
});

describe('stored decisions', () => {
  it('an explicit opt-in beats DNT, GPC and opt_out_tracking_by_default, and tracking reaches the server', async () => {
    localStorage.setItem(FLAG, '1');
    signal('navigator', 'doNotTrack', '1');
    signal('window', 'doNotTrack', '1');
    signal('navigator', 'msDoNotTrack', '1');
    signal('navigator', 'globalPrivacyControl', true);
    const { heed } = start({ opt_out_tracking_by_default: true });
    expect(snapshot(heed)).toEqual({ status: 'granted', in: true, out: false, flag: '1' });

    const results: unknown[] = [];
    heed.track('after consent', {}, (r) => results.push(r));
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['after consent']);
    expect(results).toEqual([1]);
  });

  it('opting in under DNT or GPC sends $opt_in and later events', async () => {
    signal('navigator', 'doNotTrack', '1');
    signal('navigator', 'globalPrivacyControl', true);
    const { heed } = start();
    expect(heed.consent.status()).toBe('denied');
    heed.opt_in_tracking();
    heed.track('later');
    await heed.flush();
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['$opt_in', 'later']);
  });

  it("a stored '0' beats ignore_dnt, ignore_gpc and the absence of any signal", async () => {
    localStorage.setItem(FLAG, '0');
    const { heed } = start({ ignore_dnt: true, ignore_gpc: true });
    expect(snapshot(heed)).toEqual({ status: 'denied', in: false, out: true, flag: '0' });

    const results: unknown[] = [];
    heed.track('blocked', {}, (r) => results.push(r));
    heed.people.set('a', 1, (r) => results.push(r));
    await heed.flush();
    await rig.server.quiet();
    expect(results).toEqual([0, 0]);
    expect(rig.server.requests).toEqual([]);
  });

  it('an unknown stored value counts as no decision', () => {
    localStorage.setItem(FLAG, 'true');
    const { heed } = start({ opt_out_tracking_by_default: true });
    expect(snapshot(heed)).toEqual({ status: 'pending', in: false, out: true, flag: 'true' });
  });

  it('reads the decision of its own token only', () => {
    localStorage.setItem('__mp_opt_in_out_otherToken', '0');
    const { heed } = start();
    expect(heed.consent.status()).toBe('granted');
  });
});

describe('where the flag is stored', () => {
  it("defaults to localStorage under __mp_opt_in_out_<token> = '1' / '0', with no cookie", () => {
    const { heed } = start();
    heed.opt_in_tracking({ track: false });
    expect(localStorage.getItem(FLAG)).toBe('1');
    heed.opt_out_tracking();
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect(cookies()[FLAG]).toBeUndefined();
    heed.clear_opt_in_out_tracking();
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it("uses a cookie with opt_out_tracking_persistence_type: 'cookie'", () => {
    const { heed } = start({ opt_out_tracking_persistence_type: 'cookie' });
    heed.opt_in_tracking({ track: false });
    expect(cookies()[FLAG]).toBe('1');
    heed.opt_out_tracking();
    expect(cookies()[FLAG]).toBe('0');
    expect(localStorage.getItem(FLAG)).toBeNull();
    heed.clear_opt_in_out_tracking();
    expect(cookies()[FLAG]).toBeUndefined();
  });

  it('reads a cookie flag left by an earlier page (or by mixpanel-browser)', () => {
    document.cookie = `${FLAG}=0; path=/`;
    const { heed } = start({ opt_out_tracking_persistence_type: 'cookie' });
    expect(heed.consent.status()).toBe('denied');
    expect(heed.has_opted_out_tracking()).toBe(true);
  });

  it('honours a custom opt_out_tracking_cookie_prefix in localStorage and in a cookie', () => {
    const a = start({ opt_out_tracking_cookie_prefix: 'myco_consent_' }).heed;
    a.opt_out_tracking();
    expect(localStorage.getItem('myco_consent_' + TOKEN)).toBe('0');
    expect(localStorage.getItem(FLAG)).toBeNull();

    resetBrowser();
    const b = start({ opt_out_tracking_cookie_prefix: 'myco_consent_', opt_out_tracking_persistence_type: 'cookie' }).heed;
    b.opt_in_tracking({ track: false });
    expect(cookies()['myco_consent_' + TOKEN]).toBe('1');
    expect(cookies()[FLAG]).toBeUndefined();

    // A later page reads the decision back from the same custom key.
    const c = start({ opt_out_tracking_cookie_prefix: 'myco_consent_', opt_out_tracking_persistence_type: 'cookie' }).heed;
    expect(c.has_opted_in_tracking()).toBe(true);
  });
});

describe('a decision stored under the other persistence type (or by mixpanel-browser)', () => {
  const tracked = async (heed: Heed) => {
    heed.track('probe');
    await heed.flush();
    await rig.server.quiet();
    return rig.server.accepted('track').map((e) => e.event);
  };

  it("a cookie '0' counts under the default localStorage flag, and moves into localStorage", async () => {
    document.cookie = `${FLAG}=0; path=/`;
    const { heed } = start();
    expect(snapshot(heed)).toEqual({ status: 'denied', in: false, out: true, flag: '0' });
    expect(cookies()[FLAG]).toBeUndefined();
    expect(await tracked(heed)).toEqual([]);
    expect(rig.server.requests).toEqual([]);
  });

  it("a cookie '1' counts too, and later decisions stay where heed keeps them", () => {
    document.cookie = `${FLAG}=1; path=/`;
    const { heed } = start({ opt_out_tracking_by_default: true });
    expect(snapshot(heed)).toEqual({ status: 'granted', in: true, out: false, flag: '1' });
    expect(cookies()[FLAG]).toBeUndefined();
    heed.opt_out_tracking();
    expect(start().heed.consent.status()).toBe('denied');
  });

  it("a localStorage '0' counts under opt_out_tracking_persistence_type: 'cookie', and moves into the cookie", () => {
    localStorage.setItem(FLAG, '0');
    const { heed } = start({ opt_out_tracking_persistence_type: 'cookie' });
    expect(heed.consent.status()).toBe('denied');
    expect(cookies()[FLAG]).toBe('0');
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it.each([
    ['cookie', '0', 'localStorage', '1'],
    ['cookie', '1', 'localStorage', '0'],
  ])("a stored 'no' is never lost: %s '%s' beside %s '%s' is denied", (_a, cookie, _b, local) => {
    document.cookie = `${FLAG}=${cookie}; path=/`;
    localStorage.setItem(FLAG, local);
    const { heed } = start();
    expect(snapshot(heed)).toEqual({ status: 'denied', in: false, out: true, flag: '0' });
    expect(cookies()[FLAG]).toBeUndefined();
  });

  it('an opt-in after the move is not undone by the old cookie at the next init', () => {
    document.cookie = `${FLAG}=0; path=/`;
    start().heed.opt_in_tracking({ track: false });
    expect(start().heed.consent.status()).toBe('granted');
    expect(cookies()[FLAG]).toBeUndefined();
  });

  it("mixpanel-browser's legacy mp_optout cookie means 'no' unless an opt-in is stored", () => {
    document.cookie = 'mp_optout=1; path=/';
    expect(snapshot(start().heed)).toEqual({ status: 'denied', in: false, out: true, flag: '0' });
    expect(cookies().mp_optout).toBeUndefined();

    resetBrowser();
    localStorage.setItem(FLAG, '1');
    document.cookie = 'mp_optout=1; path=/';
    expect(start().heed.consent.status()).toBe('granted');
  });

  it('keeps the cookie when localStorage cannot hold the decision, and still refuses', async () => {
    refuseLocalStorage();
    document.cookie = `${FLAG}=0; path=/`;
    const { heed } = start();
    expect(heed.consent.status()).toBe('denied');
    expect(cookies()[FLAG]).toBe('0');
    expect(await tracked(heed)).toEqual([]);
  });

  it('with nothing stored anywhere, reading writes nothing', () => {
    start({ opt_out_tracking_by_default: true });
    expect(localEntries()).toEqual({});
    expect(cookies()).toEqual({});
  });
});

describe('a flag store that cannot be read', () => {
  it.each([
    ['localStorage', {} as InitConfig, refuseLocalStorage],
    [
      'cookie',
      { opt_out_tracking_persistence_type: 'cookie', persistence: 'memory' } as InitConfig,
      () =>
        patch(document, 'cookie', {
          get() {
            throw new DOMException('The operation is insecure.', 'SecurityError');
          },
          set() {
            throw new DOMException('The operation is insecure.', 'SecurityError');
          },
        }),
    ],
  ])('keeps the gate closed (pending) and never sends: %s throws', async (_name, config, refuse) => {
    refuse();
    const { heed, changes } = start(config);
    expect(heed.consent.status()).toBe('pending');
    expect(heed.has_opted_out_tracking()).toBe(true);
    expect(heed.has_opted_in_tracking()).toBe(false);

    const results: unknown[] = [];
    for (let i = 0; i < 20; i++) heed.track('e' + i, { i }, (r) => results.push(r));
    heed.identify('someone');
    heed.people.set('a', 1, (r) => results.push(r));
    await heed.flush();
    await rig.server.quiet();
    expect(rig.server.requests).toEqual([]);
    expect(results).toEqual(new Array(21).fill(0));
    expect(changes).toEqual([]);
  });
});

describe('onConsentChange', () => {
  it('reports changes with source "api" until unsubscribed', () => {
    const { heed } = start({ opt_out_tracking_by_default: true });
    const seen: Array<[ConsentStatus, ConsentSource]> = [];
    const stop = heed.onConsentChange((s, source) => seen.push([s, source]));
    heed.opt_in_tracking({ track: false });
    heed.opt_out_tracking();
    stop();
    heed.opt_in_tracking({ track: false });
    expect(seen).toEqual([
      ['granted', 'api'],
      ['denied', 'api'],
    ]);
  });

  it('a listener that throws neither breaks the call nor silences the other listeners', () => {
    const { heed, changes } = start({ opt_out_tracking_by_default: true });
    heed.onConsentChange(() => {
      throw new Error('app bug');
    });
    const later: ConsentStatus[] = [];
    heed.onConsentChange((s) => later.push(s));
    expect(() => heed.opt_in_tracking({ track: false })).not.toThrow();
    expect(changes).toEqual([['granted', 'api']]);
    expect(later).toEqual(['granted']);
    expect(heed.consent.status()).toBe('granted');
  });

  it('is silent when a decision does not change the status (opt-out under DNT)', () => {
    signal('navigator', 'doNotTrack', '1');
    const { heed, changes } = start();
    heed.opt_out_tracking();
    expect(changes).toEqual([]);
    expect(localEntries()).toEqual({ [FLAG]: '0' });
  });
});
