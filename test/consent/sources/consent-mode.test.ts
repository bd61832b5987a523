/** @jest-environment jsdom */
/**
 * fromConsentMode against the real gtag snippet (`function gtag(){dataLayer.push(arguments);}`),
 * run as a page script: its entries are `Arguments` objects, not arrays.
 */
import { fromConsentMode } from '../../../src/consent/sources';
import { FLAG, stillParsing, stored, useWorld } from './setup';

const world = useWorld();

/** Run page script text, as a <script> element would. */
function page(code: string) {
  const script = document.createElement('script');
  script.textContent = code;
  document.head.appendChild(script);
  script.remove();
}

// The snippet Google documents for gtag.js, without the network script (it cannot load offline).
const SNIPPET = 'window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}';
const gtag = (...args: unknown[]) => page(`gtag(${args.map((a) => JSON.stringify(a)).join(',')});`);

describe('the gtag snippet', () => {
  it('pushes Arguments objects, which heed reads', () => {
    page(SNIPPET);
    gtag('consent', 'default', { analytics_storage: 'denied' });
    const entry = (window as unknown as { dataLayer: unknown[] }).dataLayer[0];
    expect(Array.isArray(entry)).toBe(false);
    expect(Object.prototype.toString.call(entry)).toBe('[object Arguments]');
  });
});

describe('a default, the site’s', () => {
  it('denied: "no" for this page view only; the person’s update then opts in from "consent-mode"', async () => {
    page(SNIPPET);
    gtag('consent', 'default', { ad_storage: 'denied', analytics_storage: 'denied' });
    const w = await world({ opt_out_tracking_by_default: true });
    fromConsentMode(w.heed);
    w.heed.track('page');
    expect(w.heed.consent.status()).toBe('denied');
    expect(stored()).toEqual([]);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(w.server.accepted('track')[0].properties.$consent_source).toBe('consent-mode');
    expect(localStorage.getItem(FLAG)).toBe('1');
  });

  it('denied with wait_for_update: a returning visitor’s page view waits for the update and is sent', async () => {
    page(SNIPPET);
    gtag('consent', 'default', { analytics_storage: 'denied', wait_for_update: 500 });
    const w = await world({ opt_out_tracking_by_default: true }, '1');
    fromConsentMode(w.heed);
    w.heed.track_pageview();
    expect(w.heed.consent.status()).toBe('pending');
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(await w.settle()).toEqual(['$mp_web_page_view']);
  });

  it('denied with wait_for_update and no update in time: denied for the page view, nothing persisted', async () => {
    page(SNIPPET);
    gtag('consent', 'default', { analytics_storage: 'denied', wait_for_update: 40 });
    const w = await world({}, '1');
    fromConsentMode(w.heed);
    w.heed.track('page');
    await new Promise((r) => setTimeout(r, 70));
    expect(w.heed.consent.status()).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBe('1');
    expect(await w.settle()).toEqual([]);
  });

  it('granted: no decision, the tracker’s own rule applies', async () => {
    page(SNIPPET);
    gtag('consent', 'default', { analytics_storage: 'granted' });
    const pending = await world({ opt_out_tracking_by_default: true });
    fromConsentMode(pending.heed);
    expect(pending.heed.consent.status()).toBe('pending');
    const open = await world();
    fromConsentMode(open.heed);
    expect(open.heed.consent.status()).toBe('granted');
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it('scoped to regions: a denial applies to everyone (the region cannot be known), a grant is ignored', async () => {
    page(SNIPPET);
    gtag('consent', 'default', { analytics_storage: 'granted', region: ['US'] });
    const w = await world();
    fromConsentMode(w.heed);
    expect(w.heed.consent.status()).toBe('granted'); // no decision: the tracker’s default
    gtag('consent', 'default', { analytics_storage: 'denied', region: ['ES', 'DE'] });
    expect(w.heed.consent.status()).toBe('denied');
  });
});

describe('an update, the person’s', () => {
  it('denied is a persisted "no", without a profile delete', async () => {
    page(SNIPPET);
    gtag('consent', 'default', { analytics_storage: 'granted' }); // e.g. a US visitor
    const w = await world({}, '1');
    w.heed.identify('user-5');
    fromConsentMode(w.heed);
    gtag('consent', 'update', { analytics_storage: 'denied' });
    await w.settle();
    expect(w.server.requests).toHaveLength(0);
    expect(stored()).toEqual([FLAG]);
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect(w.changes).toEqual(['pending:consent-mode', 'granted:consent-mode', 'denied:consent-mode']);
  });

  it('is read from arrays too, and an update without the type changes nothing', async () => {
    const w = await world({ opt_out_tracking_by_default: true });
    fromConsentMode(w.heed);
    const layer = (window as unknown as { dataLayer: unknown[] }).dataLayer;
    layer.push(['consent', 'update', { ad_storage: 'granted' }]);
    expect(w.heed.consent.status()).toBe('pending');
    layer.push(['consent', 'update', { analytics_storage: 'granted' }]);
    expect(w.heed.consent.status()).toBe('granted');
  });
});

describe('never set', () => {
  it('is no decision once the page is parsed (pending before), or "no" for the page view with requireCmp', async () => {
    const done = stillParsing();
    page(SNIPPET);
    gtag('consent', 'default', { ad_storage: 'denied' });
    const w = await world();
    fromConsentMode(w.heed);
    w.heed.track('early');
    expect(w.heed.consent.status()).toBe('pending');
    done();
    expect(w.heed.consent.status()).toBe('granted');
    expect(await w.settle()).toEqual(['early']);

    const strict = await world();
    fromConsentMode(strict.heed, { requireCmp: true });
    expect(strict.heed.consent.status()).toBe('denied');
  });
});

describe('options and the data layer', () => {
  it('follows another type and another data layer name', async () => {
    const w = await world({ opt_out_tracking_by_default: true });
    fromConsentMode(w.heed, { type: 'ad_storage', dataLayer: 'myLayer' });
    page("window.myLayer = window.myLayer || []; function tag(){myLayer.push(arguments);} tag('consent', 'update', { ad_storage: 'granted', analytics_storage: 'denied' });");
    expect(w.heed.consent.status()).toBe('granted');
  });

  it('keeps seeing updates after a tag manager wraps push, and stop() puts push back', async () => {
    page(SNIPPET);
    const w = await world({ opt_out_tracking_by_default: true });
    const layer = (window as unknown as { dataLayer: unknown[] & { push: (...a: unknown[]) => number } }).dataLayer;
    const original = layer.push;
    const source = fromConsentMode(w.heed);
    // What GTM does when it loads: keep the push it finds and call it from its own.
    const found = layer.push;
    const processed: unknown[] = [];
    layer.push = function (...entries: unknown[]) {
      processed.push(...entries);
      return found.apply(this, entries);
    };
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(processed).toHaveLength(1);
    expect(w.heed.consent.status()).toBe('granted');

    const w2 = await world();
    layer.push = original;
    const second = fromConsentMode(w2.heed);
    expect(layer.push).not.toBe(original);
    second.stop();
    expect(layer.push).toBe(original);
    source.stop();
  });
});
