/** @jest-environment jsdom */
/**
 * Consent per purpose (issue 14) through the public API: what is sent (counted at a real server),
 * what is stored, the records and their bound, and the expiry clock.
 */
import type { ConsentStatus, InitConfig, PurposeStatuses } from '../../src/entry/browser';
import { cookies, localEntries } from '../helpers/browser';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'purposeTok';
const FLAG = '__mp_opt_in_out_' + TOKEN;
const KEY = FLAG + '_purposes';
const PROFILE = `mp_${TOKEN}_mixpanel`;
const TWO: InitConfig = { purposes: ['analytics', 'marketing'], opt_out_tracking_by_default: true };

const rig = useTracker(TOKEN);
const sent = () => rig.server.accepted('track').map((e) => `${e.event}${e.properties.$purpose ? '/' + e.properties.$purpose : ''}`);
const settle = async (heed: { flush(): Promise<void> }) => {
  await heed.flush();
  await rig.server.quiet(60);
  return sent();
};
const stored = () => JSON.parse(localStorage.getItem(KEY) || 'null');

describe('the default single purpose', () => {
  it('behaves as one gate: no new key, $opt_in carries the record, events carry no $purpose', async () => {
    const heed = rig.start({ opt_out_tracking_by_default: true });
    expect(heed.consent.purposes()).toEqual(['analytics']);
    expect(heed.consent.status('analytics')).toBe('pending');
    heed.opt_in_tracking();
    heed.track('e');
    expect(await settle(heed)).toEqual(['$opt_in', 'e']);
    const [optIn, e] = rig.server.accepted('track');
    expect(optIn.properties).toMatchObject({ $consent_source: 'api', $consent_purposes: { analytics: 'granted' } });
    expect(e.properties.$purpose).toBeUndefined();
    expect(Object.keys(localEntries()).sort()).toEqual([FLAG, PROFILE]);
    expect(heed.consent.records()).toEqual([{ source: 'api', time: expect.any(Number), purposes: { analytics: 'granted' } }]);
  });

  it("keeps mixpanel-browser's stored decisions: '1' grants the first purpose, '0' denies all", () => {
    localStorage.setItem(FLAG, '1');
    expect(rig.start({ purposes: ['analytics', 'marketing'] }).consent.own().purposes).toEqual({ analytics: 'granted', marketing: 'pending' });
    localStorage.setItem(FLAG, '0');
    expect(rig.start({ purposes: ['analytics', 'marketing'] }).consent.own().purposes).toEqual({ analytics: 'denied', marketing: 'denied' });
  });
});

describe('two purposes', () => {
  it('analytics granted, marketing denied: only analytics is sent, nothing marketing is stored', async () => {
    const heed = rig.start(TWO);
    heed.consent.deny('marketing');
    heed.consent.grant('analytics');
    const results: Record<string, unknown> = {};
    heed.track('view', {}, { purpose: 'analytics' }, (r) => void (results.view = r));
    heed.track('ad click', {}, { purpose: 'marketing' }, (r) => void (results.ad = r));
    heed.track('default purpose');
    expect(await settle(heed)).toEqual(['$opt_in/analytics', 'view/analytics', 'default purpose/analytics']);
    expect(results).toEqual({ view: 1, ad: 0 });
    expect(heed.consent.status()).toBe('granted');
    expect(heed.consent.status('marketing')).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBe('1');
    const state = stored();
    expect(Object.keys(state.a).sort()).toEqual(['analytics', 'marketing']);
    expect(state.a.marketing[0]).toBe('denied');
    expect(JSON.stringify(localEntries())).not.toContain('ad click');
    // $opt_in's record holds both answers: the proof server-side.
    expect(rig.server.accepted('track')[0].properties.$consent_purposes).toEqual({ analytics: 'granted', marketing: 'denied' });
  });

  it('withdrawing marketing drops its queued events and updates, keeps analytics and the profile', async () => {
    const heed = rig.start(TWO);
    heed.opt_in_tracking({ track: false });
    heed.identify('u1');
    const results: Array<[string, unknown]> = [];
    for (const purpose of ['analytics', 'marketing', 'marketing']) heed.track('q ' + purpose, {}, { purpose }, (r) => results.push([purpose, r]));
    heed.consent.deny(['marketing']);
    expect(results).toEqual([['marketing', 0], ['marketing', 0]]);
    heed.track('later', {}, { purpose: 'marketing' });
    expect(await settle(heed)).toEqual(['$identify/analytics', 'q analytics/analytics']);
    expect(heed.get_distinct_id()).toBe('u1');
    expect(localEntries()[PROFILE]).toContain('u1');
    expect(heed.consent.own().purposes).toEqual({ analytics: 'granted', marketing: 'denied' });
  });

  it('a full opt-out leaves only the flag: records and answers go', async () => {
    const heed = rig.start({ ...TWO, consent_notice_version: 'v1' });
    heed.consent.grant();
    heed.track('e');
    expect(Object.keys(localEntries()).sort()).toEqual([FLAG, KEY, PROFILE]);
    heed.consent.deny('marketing');
    heed.consent.deny('analytics');
    expect(localEntries()).toEqual({ [FLAG]: '0' });
    expect(heed.consent.status()).toBe('denied');
    expect(await settle(heed)).toEqual([]);
  });

  it('a "no" to one purpose while the other is not yet asked stays in memory', () => {
    const heed = rig.start(TWO);
    heed.consent.deny('marketing');
    expect(heed.consent.own().purposes).toEqual({ analytics: 'pending', marketing: 'denied' });
    expect(localEntries()).toEqual({});
    expect(heed.consent.records()).toHaveLength(1);
  });

  it('the answers survive a reload; the other purpose stays as it was', () => {
    rig.start(TWO).consent.grant(['analytics']);
    const again = rig.start(TWO);
    expect(again.consent.own().purposes).toEqual({ analytics: 'granted', marketing: 'pending' });
    again.consent.grant('marketing');
    expect(rig.start(TWO).consent.records().map((r) => r.purposes)).toEqual([
      { analytics: 'granted', marketing: 'pending' },
      { analytics: 'granted', marketing: 'granted' },
    ]);
  });

  it('with cookie persistence the answers sit in a cookie beside the flag', () => {
    rig.start({ ...TWO, opt_out_tracking_persistence_type: 'cookie' }).consent.grant('analytics');
    expect(cookies()[FLAG]).toBe('1');
    expect(JSON.parse(decodeURIComponent(cookies()[KEY])).a.analytics[0]).toBe('granted');
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('onConsentChange reports each purpose, also when the overall status stays granted', () => {
    const heed = rig.start(TWO);
    const seen: Array<[ConsentStatus, string, PurposeStatuses]> = [];
    heed.onConsentChange((status, source, purposes) => void seen.push([status, source, purposes]));
    heed.consent.grant('analytics', { track: false });
    heed.consent.grant('marketing', { track: false, source: 'banner' });
    heed.consent.deny('marketing');
    heed.opt_out_tracking();
    expect(seen).toEqual([
      ['granted', 'api', { analytics: 'granted', marketing: 'pending' }],
      ['granted', 'banner', { analytics: 'granted', marketing: 'granted' }],
      ['granted', 'api', { analytics: 'granted', marketing: 'denied' }],
      ['denied', 'api', { analytics: 'denied', marketing: 'denied' }],
    ]);
  });

  it('opt_in_tracking grants every purpose and opt_out_tracking denies every one', () => {
    const heed = rig.start(TWO);
    heed.opt_in_tracking({ track: false });
    expect(heed.consent.own().purposes).toEqual({ analytics: 'granted', marketing: 'granted' });
    heed.opt_out_tracking();
    expect(heed.consent.own().purposes).toEqual({ analytics: 'denied', marketing: 'denied' });
    expect(localEntries()).toEqual({ [FLAG]: '0' });
  });

  it('refuses an unknown purpose in track, grant and deny, with a warning, changing nothing', async () => {
    const warnings: string[] = [];
    const heed = rig.start({ ...TWO, error_reporter: (m) => warnings.push(m) });
    heed.consent.grant(['analytics', 'ads']);
    heed.consent.deny('Marketing');
    expect(heed.consent.own().purposes).toEqual({ analytics: 'pending', marketing: 'pending' });
    heed.consent.grant('analytics', { track: false });
    const results: unknown[] = [];
    heed.track('e', {}, { purpose: 'ads' }, (r) => results.push(r));
    expect(results).toEqual([0]);
    expect(await settle(heed)).toEqual([]);
    expect(warnings).toEqual([
      'consent.grant: unknown purpose ["analytics","ads"]',
      'consent.deny: unknown purpose "Marketing"',
      'track("e"): unknown purpose "ads"',
    ]);
  });

  it('keeps a Mixpanel-style callback as the third argument working', async () => {
    const heed = rig.start({ purposes: ['analytics', 'marketing'] });
    const results: unknown[] = [];
    heed.track('cb', {}, (r) => results.push(r));
    heed.track('opts', {}, { send_immediately: true, purpose: 'marketing' }, (r) => results.push(r));
    expect(await settle(heed)).toEqual(['cb/analytics', 'opts/marketing']);
    expect(results).toEqual([1, 1]);
  });
});

describe('records', () => {
  it('keep the last 10, with source, time, purposes, notice and consent string; $opt_in carries the string in pieces', async () => {
    const heed = rig.start({ ...TWO, consent_notice_version: '2026-11' });
    const tc = 'C'.repeat(300);
    for (let i = 0; i < 14; i++) heed.consent.grant('analytics', { source: 's' + i, track: i === 13 ? undefined : false, consentString: i === 13 ? tc : undefined });
    const records = heed.consent.records();
    expect(records.map((r) => r.source)).toEqual(['s4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 's12', 's13']);
    expect(records[9]).toEqual({ source: 's13', time: expect.any(Number), purposes: { analytics: 'granted', marketing: 'pending' }, notice: '2026-11', consentString: tc });
    expect(stored().r).toEqual(records);
    await settle(heed);
    const [optIn] = rig.server.accepted('track');
    expect(optIn.properties.$consent_string).toEqual(['C'.repeat(255), 'C'.repeat(45)]);
    expect(optIn.properties.$consent_notice_version).toBe('2026-11');
  });

  it('are cut, oldest first, to fit one cookie', () => {
    const heed = rig.start({ ...TWO, opt_out_tracking_persistence_type: 'cookie' });
    for (let i = 0; i < 10; i++) heed.consent.grant('analytics', { track: false, consentString: 'T'.repeat(600) });
    const kept = JSON.parse(decodeURIComponent(cookies()[KEY])).r;
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(10);
    expect(heed.consent.records()).toEqual(kept); // the newest, the same in memory
    expect(encodeURIComponent(JSON.stringify({ a: {}, r: kept })).length).toBeLessThanOrEqual(3000);
  });

  it('are returned as copies', () => {
    const heed = rig.start(TWO);
    heed.consent.grant('analytics', { track: false });
    heed.consent.records()[0].purposes.marketing = 'granted';
    expect(heed.consent.records()[0].purposes.marketing).toBe('pending');
  });
});

describe('consent that expires', () => {
  const DAY = 864e5;
  afterEach(() => jest.useRealTimers());

  it('a grant older than consent_max_age_days is pending: nothing is sent until the person answers again', async () => {
    const now = Date.now();
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now - 31 * DAY);
    rig.start({ ...TWO, consent_max_age_days: 30 }).consent.grant('analytics', { track: false });
    spy.mockRestore();
    const heed = rig.start({ ...TWO, consent_max_age_days: 30 });
    expect(heed.consent.status()).toBe('pending');
    expect(heed.consent.own().expired).toEqual(['analytics']);
    heed.track('e');
    expect(await settle(heed)).toEqual([]);
    heed.consent.grant('analytics');
    heed.track('e2');
    expect(await settle(heed)).toEqual(['$opt_in/analytics', 'e2/analytics']);
  });

  it('a mixpanel-browser grant of unknown age does not count once a max age is set', () => {
    localStorage.setItem(FLAG, '1');
    expect(rig.start({ consent_max_age_days: 395 }).consent.status()).toBe('pending');
    expect(rig.start().consent.status()).toBe('granted');
  });

  it('the clock tells listeners when a grant comes of age during the page', () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const heed = rig.start({ ...TWO, consent_max_age_days: 1 });
    heed.consent.grant('analytics', { track: false });
    const seen: string[] = [];
    heed.onConsentChange((status, source, purposes) => void seen.push(`${status}:${source}:${purposes.analytics}`));
    jest.advanceTimersByTime(DAY - 6e4);
    expect(seen).toEqual([]);
    expect(heed.consent.status('analytics')).toBe('granted');
    jest.advanceTimersByTime(6e4);
    expect(seen).toEqual(['pending:expiry:pending']);
    expect(heed.track('late')).toBeUndefined();
  });

  it('a grant made under another consent_notice_version no longer counts', () => {
    rig.start({ ...TWO, consent_notice_version: 'v1' }).opt_in_tracking({ track: false });
    expect(rig.start({ ...TWO, consent_notice_version: 'v1' }).consent.status()).toBe('granted');
    const heed = rig.start({ ...TWO, consent_notice_version: 'v2' });
    expect(heed.consent.own().purposes).toEqual({ analytics: 'pending', marketing: 'pending' });
    expect(heed.consent.own().expired).toEqual(['analytics', 'marketing']);
  });
});

describe('the options', () => {
  it('refuse a bad value loudly and use the default', () => {
    const warnings: string[] = [];
    const heed = rig.start({ purposes: 'analytics' as unknown as string[], consent_max_age_days: '30' as unknown as number, consent_notice_version: 2 as unknown as string, error_reporter: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      'purposes: "analytics" is not usable; ["analytics"] is used',
      'consent_max_age_days: "30" is not usable; 0 is used',
      'consent_notice_version: 2 is not usable; "" is used',
    ]);
    expect(heed.get_config('purposes')).toEqual(['analytics']);
    heed.set_config({ purposes: ['a', 'a'] });
    expect(warnings[3]).toBe('purposes: ["a","a"] is not usable; ["analytics"] is used');
  });
});
