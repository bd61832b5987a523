/** @jest-environment jsdom */
/**
 * fromSignal (any banner) and the CMP presets built on it, each against a stand-in for the vendor's
 * documented page API (their scripts cannot load here).
 */
import { fromCookiebot, fromDidomi, fromKlaro, fromOneTrust, fromSignal, fromUsercentrics } from '../../../src/consent/sources';
import { FLAG, gpcOn, stillParsing, useWorld } from './setup';

const world = useWorld();
const win = window as unknown as Record<string, unknown>;
afterEach(() => {
  for (const key of ['OnetrustActiveGroups', 'OneTrust', 'Cookiebot', 'UC_UI', 'Didomi', 'didomiConfig', 'didomiOnReady', 'didomiEventListeners', 'klaro', 'klaroConfig']) delete win[key];
});

/** A home-made banner: a value, and a way to say it changed. */
function banner(initial?: boolean | null) {
  let value = initial;
  let changed: (explicit?: boolean) => void = () => undefined;
  let subscribed = 0;
  return {
    get: () => value,
    subscribe: (c: (explicit?: boolean) => void) => {
      changed = c;
      subscribed++;
      return () => void subscribed--;
    },
    set(next: boolean | null | undefined, explicit?: boolean) {
      value = next;
      changed(explicit);
    },
    get subscribed() {
      return subscribed;
    },
  };
}

describe('fromSignal', () => {
  it('undefined waits, true opts in once, false opts out; the name is the source', async () => {
    const b = banner();
    const w = await world({ opt_out_tracking_by_default: true });
    fromSignal(w.heed, b.get, b.subscribe, { name: 'my-banner' });
    w.heed.track('waiting');
    expect(w.heed.consent.status()).toBe('pending');
    b.set(true);
    b.set(true);
    expect(await w.settle()).toEqual(['$opt_in']);
    b.set(false);
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect(w.changes).toEqual(['granted:my-banner', 'denied:my-banner']);
  });

  it('null is no decision; a get() that throws denies the page view', async () => {
    const w = await world();
    const b = banner(null);
    fromSignal(w.heed, b.get, b.subscribe);
    expect(w.heed.consent.status()).toBe('granted');
    const broken = await world();
    fromSignal(broken.heed, () => {
      throw new Error('banner broke');
    }, () => undefined);
    expect(broken.heed.consent.status()).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it('under GPC, only an explicit grant (changed(true)) opts in; an event object passed to changed is not one', async () => {
    gpcOn();
    const b = banner();
    const w = await world();
    fromSignal(w.heed, b.get, b.subscribe);
    b.set(true);
    (b as unknown as { set: (v: boolean, e: unknown) => void }).set(true, new Event('click'));
    expect(w.heed.consent.status()).toBe('denied');
    b.set(true, true);
    expect(w.heed.consent.status()).toBe('granted');
    expect(localStorage.getItem(FLAG)).toBe('1');
  });

  it('stop() unsubscribes and lets go', async () => {
    const b = banner();
    const w = await world({ opt_out_tracking_by_default: true });
    const s = fromSignal(w.heed, b.get, b.subscribe);
    expect(b.subscribed).toBe(1);
    s.stop();
    expect(b.subscribed).toBe(0);
    b.set(true);
    expect(w.heed.consent.status()).toBe('pending');
  });
});

describe('CMP presets', () => {
  it('OneTrust: the performance group, waiting while the banner is open, following OneTrustGroupsUpdated', async () => {
    win.OneTrust = { IsAlertBoxClosed: () => false };
    win.OnetrustActiveGroups = ',C0001,';
    const w = await world({ opt_out_tracking_by_default: true });
    fromOneTrust(w.heed);
    expect(w.heed.consent.status()).toBe('pending');
    win.OnetrustActiveGroups = ',C0001,C0002,';
    dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001', 'C0002'] }));
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(w.server.accepted('track')[0].properties.$consent_source).toBe('onetrust');
    win.OneTrust = { IsAlertBoxClosed: () => true };
    win.OnetrustActiveGroups = ',C0001,';
    dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001'] }));
    expect(w.heed.consent.status()).toBe('denied');
  });

  it('Cookiebot: statistics once the visitor responded', async () => {
    win.Cookiebot = { hasResponse: false, consent: { necessary: true, statistics: false, method: null } };
    const w = await world({ opt_out_tracking_by_default: true });
    fromCookiebot(w.heed);
    expect(w.heed.consent.status()).toBe('pending');
    win.Cookiebot = { hasResponse: true, consent: { necessary: true, statistics: true, method: 'explicit' } };
    dispatchEvent(new Event('CookiebotOnAccept'));
    expect(w.heed.consent.status()).toBe('granted');
    win.Cookiebot = { hasResponse: true, consent: { necessary: true, statistics: false, method: 'explicit' } };
    dispatchEvent(new Event('CookiebotOnDecline'));
    expect(w.heed.consent.status()).toBe('denied');
  });

  it('Usercentrics: the service’s status once initialised and no longer asking; an unlisted service is "no"', async () => {
    let required = true;
    let services = [{ name: 'Mixpanel', consent: { status: true } }];
    win.UC_UI = { isInitialized: () => true, isConsentRequired: () => required, getServicesBaseInfo: () => services };
    const w = await world({ opt_out_tracking_by_default: true });
    fromUsercentrics(w.heed);
    expect(w.heed.consent.status()).toBe('pending');
    required = false;
    dispatchEvent(new Event('UC_UI_CMP_EVENT'));
    expect(w.heed.consent.status()).toBe('granted');
    services = [{ name: 'Other', consent: { status: true } }];
    dispatchEvent(new Event('UC_CONSENT'));
    expect(w.heed.consent.status()).toBe('denied');
  });

  it('Didomi: no decision where consent is not required, else every purpose, following consent.changed', async () => {
    let required = true;
    let collecting = true;
    let enabled = false;
    const didomi = {
      isConsentRequired: () => required,
      shouldConsentBeCollected: () => collecting,
      getCurrentUserStatus: () => ({ purposes: { cookies: { enabled: true }, measure_content_performance: { enabled } } }),
    };
    win.didomiConfig = {}; // the Didomi snippet is on the page; its SDK loads later
    const w = await world({ opt_out_tracking_by_default: true });
    fromDidomi(w.heed);
    w.heed.track('waiting for Didomi');
    expect(w.heed.consent.status()).toBe('pending');
    // The SDK loads, runs what was pushed to didomiOnReady, and later calls the event listeners.
    win.Didomi = didomi;
    for (const f of win.didomiOnReady as Array<(d: unknown) => void>) f(didomi);
    expect(w.heed.consent.status()).toBe('pending');
    collecting = false;
    const fire = () => (win.didomiEventListeners as Array<{ event: string; listener: () => void }>).filter((l) => l.event === 'consent.changed').forEach((l) => l.listener());
    fire();
    expect(w.heed.consent.status()).toBe('denied');
    enabled = true;
    fire();
    expect(w.heed.consent.status()).toBe('granted');
    required = false;
    fire();
    expect(w.heed.consent.status()).toBe('granted'); // no decision: stays as stored
  });

  it('Klaro: the service’s consent once confirmed, following the manager’s watchers', async () => {
    const watchers = new Set<{ update: () => void }>();
    const manager = { confirmed: false, consents: { mixpanel: false } as Record<string, boolean>, getConsent: (s: string) => manager.consents[s], watch: (x: { update: () => void }) => watchers.add(x), unwatch: (x: { update: () => void }) => watchers.delete(x) };
    win.klaro = { getManager: () => manager };
    const w = await world({ opt_out_tracking_by_default: true });
    const k = fromKlaro(w.heed);
    expect(w.heed.consent.status()).toBe('pending');
    manager.confirmed = true;
    manager.consents.mixpanel = true;
    watchers.forEach((x) => x.update());
    expect(w.heed.consent.status()).toBe('granted');
    k.stop();
    expect(watchers.size).toBe(0);
  });

  it('no CMP on the page by DOMContentLoaded: no decision', async () => {
    const done = stillParsing();
    const w = await world({ opt_out_tracking_by_default: true });
    fromCookiebot(w.heed, { pendingEvents: 'buffer' });
    expect(w.heed.consent.status()).toBe('pending');
    done();
    expect(w.heed.consent.status()).toBe('pending'); // the tracker's own default again
    expect(localStorage.getItem(FLAG)).toBeNull();
    expect(w.changes).toEqual([]);
  });
});
