/** @jest-environment jsdom */
/**
 * Each consent source, per purpose (issue 14): TCF purposes, GPP opt-outs, Consent Mode types and
 * banner categories map to heed's 'analytics' and 'marketing' (defaults and overrides); what is
 * sent per purpose, what is stored, and what each record says.
 */
import { fromConsentMode, fromCookiebot, fromGPP, fromOneTrust, fromSignal, fromTCF } from '../../../src/consent/sources';
import { createGppCmp, createTcfCmp } from '../../../src/testing';
import { FLAG, gpcOn, useWorld, type World } from './setup';

const world = useWorld();
const TWO = { purposes: ['analytics', 'marketing'], opt_out_tracking_by_default: true };
const win = window as unknown as Record<string, unknown>;
afterEach(() => {
  for (const key of ['OnetrustActiveGroups', 'OneTrust', 'Cookiebot']) delete win[key];
});

/** One event per purpose, then what the server got, as `event/purpose`. */
async function trackBoth(w: World): Promise<string[]> {
  w.heed.track('a', {}, { purpose: 'analytics' });
  w.heed.track('m', {}, { purpose: 'marketing' });
  await w.settle();
  return w.server.accepted('track').map((e) => `${e.event}/${e.properties.$purpose}`);
}
const own = (w: World) => w.heed.consent.own().purposes;

describe('fromTCF', () => {
  it('by default: purposes 1+8 are analytics, 1+3+4 marketing; the TC string is in the record', async () => {
    const cmp = createTcfCmp();
    const w = await world(TWO);
    fromTCF(w.heed);
    cmp.load();
    cmp.userAction({ purposes: [1, 8] });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
    expect(await trackBoth(w)).toEqual(['$opt_in/analytics', 'a/analytics']);
    const optIn = w.server.accepted('track')[0].properties;
    expect(optIn.$consent_source).toBe('tcf');
    expect(optIn.$consent_string).toEqual(['fake.useractioncomplete']);
    expect(w.heed.consent.records().map((r) => [r.source, r.consentString, r.purposes])).toEqual([
      ['tcf', 'fake.useractioncomplete', { analytics: 'pending', marketing: 'denied' }],
      ['tcf', 'fake.useractioncomplete', { analytics: 'granted', marketing: 'denied' }],
    ]);
  });

  it('a later choice that adds marketing grants it (one $opt_in for it); one that takes it back withdraws it only', async () => {
    const cmp = createTcfCmp();
    const w = await world(TWO);
    fromTCF(w.heed);
    cmp.load({ purposes: [1, 8] });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
    cmp.userAction({ purposes: [1, 3, 4, 8] });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'granted' });
    w.heed.track('m', {}, { purpose: 'marketing' });
    cmp.userAction({ purposes: [1, 8] });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
    expect(await w.settle()).toEqual(['$opt_in', '$opt_in']); // the queued marketing event was dropped
    expect(w.server.accepted('track').map((e) => e.properties.$purpose)).toEqual(['analytics', 'marketing']);
    expect(localStorage.getItem(FLAG)).toBe('1');
  });

  it('the mapping option overrides a default; purposes is short for the analytics entry', async () => {
    const cmp = createTcfCmp();
    const w = await world(TWO);
    fromTCF(w.heed, { purposes: [8], mapping: { marketing: [2] } });
    cmp.load({ purposes: [2, 8] });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'granted' });
  });

  it('a purpose the tracker does not have is ignored; one the mapping lacks is left to the tracker', async () => {
    const cmp = createTcfCmp();
    const w = await world({ purposes: ['analytics', 'personalisation'], opt_out_tracking_by_default: true });
    fromTCF(w.heed);
    cmp.load({ purposes: [1, 3, 4, 8] });
    expect(own(w)).toEqual({ analytics: 'granted', personalisation: 'pending' });
  });

  it('a "no" to everything is the opt-out of today: only the flag is left', async () => {
    const cmp = createTcfCmp();
    const w = await world(TWO, '1');
    fromTCF(w.heed);
    cmp.load({ purposes: [] });
    expect(own(w)).toEqual({ analytics: 'denied', marketing: 'denied' });
    expect(Object.keys(localStorage)).toEqual([FLAG]);
    expect(localStorage.getItem(FLAG)).toBe('0');
  });
});

describe('fromGPP', () => {
  const sale = { usnat: { SaleOptOut: 1, SharingOptOut: 2 } };
  it('by default an opt-out of sale or sharing denies every purpose', async () => {
    const cmp = createGppCmp();
    const w = await world(TWO);
    fromGPP(w.heed);
    cmp.load({ sections: sale });
    expect(own(w)).toEqual({ analytics: 'denied', marketing: 'denied' });
  });

  it('mapped so that only marketing hears the opt-outs: analytics granted, marketing denied, the GPP string recorded', async () => {
    const cmp = createGppCmp();
    const w = await world(TWO);
    fromGPP(w.heed, { mapping: { analytics: [], marketing: ['SaleOptOut', 'SharingOptOut', 'Gpc'] } });
    cmp.load({ sections: sale });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
    expect(await trackBoth(w)).toEqual(['$opt_in/analytics', 'a/analytics']);
    expect(w.heed.consent.records().pop()!.consentString).toBe('DBABM~fake');
  });

  it('the GPC sub-section denies the purposes whose mapping names Gpc', async () => {
    const cmp = createGppCmp();
    const w = await world(TWO);
    fromGPP(w.heed, { mapping: { analytics: ['SaleOptOut'], marketing: ['Gpc'] } });
    cmp.load({ sections: { usnat: { SaleOptOut: 2, SharingOptOut: 2, Gpc: true } } });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
  });
});

describe('fromConsentMode', () => {
  const gtag = (...args: unknown[]) => {
    const layer = (win.dataLayer = (win.dataLayer as unknown[]) || []) as unknown[];
    layer.push(args);
  };

  it('analytics_storage is analytics; ad_storage + ad_user_data are marketing', async () => {
    const w = await world(TWO);
    fromConsentMode(w.heed);
    gtag('consent', 'update', { analytics_storage: 'granted', ad_storage: 'granted', ad_user_data: 'denied' });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
    gtag('consent', 'update', { ad_user_data: 'granted' });
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'granted' });
    expect(await trackBoth(w)).toEqual(['$opt_in/analytics', '$opt_in/marketing', 'a/analytics', 'm/marketing']);
  });

  it("a site's default that denies ad_storage denies marketing for this page view only, analytics goes on", async () => {
    const w = await world({ purposes: ['analytics', 'marketing'] });
    gtag('consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied', analytics_storage: 'granted' });
    fromConsentMode(w.heed);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(w.heed.consent.status('marketing')).toBe('denied');
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'pending' }); // nothing persisted for marketing
    expect(await trackBoth(w)).toEqual(['$opt_in/analytics', 'a/analytics']);
  });
});

describe('banners', () => {
  it('fromSignal takes an answer per purpose', async () => {
    let value: Record<string, boolean | undefined> = { analytics: undefined, marketing: undefined };
    let changed: (explicit?: boolean) => void = () => undefined;
    const w = await world(TWO);
    fromSignal(w.heed, () => value, (c) => void (changed = c), { name: 'banner' });
    expect(w.heed.consent.status()).toBe('pending');
    value = { analytics: true, marketing: false };
    changed(true);
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
    expect(w.heed.consent.records().pop()!.source).toBe('banner');
  });

  it('OneTrust: C0002 is analytics, C0004 marketing; Cookiebot: statistics and marketing', async () => {
    win.OnetrustActiveGroups = ',C0001,C0002,';
    win.OneTrust = { IsAlertBoxClosed: () => true };
    const w = await world(TWO);
    const stop = fromOneTrust(w.heed);
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'denied' });
    stop.stop();
    win.Cookiebot = { hasResponse: true, consent: { statistics: true, marketing: true } };
    fromCookiebot(w.heed);
    expect(own(w)).toEqual({ analytics: 'granted', marketing: 'granted' });
  });

  it("with gpc: 'strict', GPC holds every purpose denied for the page view", async () => {
    gpcOn();
    const w = await world({ purposes: ['analytics', 'marketing'], ignore_gpc: true });
    fromSignal(w.heed, () => ({ analytics: true, marketing: true }), () => undefined, { gpc: 'strict' });
    expect(w.heed.consent.status('analytics')).toBe('denied');
    expect(w.heed.consent.status('marketing')).toBe('denied');
    expect(await trackBoth(w)).toEqual([]);
  });
});
