/** @jest-environment jsdom */
import { param, searchInfo } from '../src/attribution';
import { localEntries, patch } from './helpers/browser';
import { useTracker } from './helpers/tracker';

const TOKEN = 'marketingTok';
const rig = useTracker(TOKEN);
const PROFILE = `mp_${TOKEN}_mixpanel`;
const landing = (path: string, referrer = '') => {
  history.replaceState({}, '', path);
  patch(document, 'referrer', { get: () => referrer });
};
afterEach(() => history.replaceState({}, '', '/'));

const sent = async (heed: { flush(): Promise<void> }) => (await heed.flush(), rig.server.accepted('track'));

describe('campaign and click ids on events (track_marketing)', () => {
  it("carries the page's utm_* and click ids, form-decoded, and not the other query parameters", async () => {
    landing('/?utm_source=news+letter&utm_medium=email&utm_campaign=%C3%A9t%C3%A9&gclid=G1&fbclid=F1&other=x');
    const heed = rig.start();
    heed.track('Viewed');
    const [e] = await sent(heed);
    expect(e.properties).toMatchObject({ utm_source: 'news letter', utm_medium: 'email', utm_campaign: 'été', gclid: 'G1', fbclid: 'F1' });
    expect(e.properties).not.toHaveProperty('other');
    expect(e.properties).not.toHaveProperty('utm_term');
  });

  it('track_marketing: false leaves them off the events (store_google still keeps the campaign as super properties unless also off)', async () => {
    landing('/?utm_source=news&gclid=G1');
    const heed = rig.start({ track_marketing: false, store_google: false });
    heed.track('Viewed');
    const [e] = await sent(heed);
    expect(e.properties).not.toHaveProperty('utm_source');
    expect(e.properties).not.toHaveProperty('gclid');
  });
});

describe('what the landing page leaves on the profile', () => {
  it('store_google keeps the campaign for later pages; stop_utm_persistence drops it', async () => {
    landing('/?utm_source=news&utm_campaign=spring');
    rig.start();
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).toMatchObject({ utm_source: 'news', utm_campaign: 'spring' });
    landing('/later');
    const later = rig.start();
    later.track('Later');
    expect((await sent(later))[0].properties).toMatchObject({ utm_source: 'news', utm_campaign: 'spring' });
    rig.start({ stop_utm_persistence: true });
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).not.toHaveProperty('utm_source');
  });

  it('$initial_referrer / $initial_referring_domain are the first ones ($direct without a referrer); search engines give $search_engine and mp_keyword', async () => {
    landing('/', 'https://www.google.com/search?q=consent+analytics');
    const heed = rig.start();
    heed.track('e');
    const [e] = await sent(heed);
    expect(e.properties).toMatchObject({
      $initial_referrer: 'https://www.google.com/search?q=consent+analytics',
      $initial_referring_domain: 'www.google.com',
      $search_engine: 'google',
      mp_keyword: 'consent analytics',
    });
    landing('/', 'https://other.example/page');
    const next = rig.start();
    expect(next.get_property('$initial_referrer')).toBe('https://www.google.com/search?q=consent+analytics');
    localStorage.clear();
    landing('/');
    expect(rig.start().get_property('$initial_referrer')).toBe('$direct');
    const off = rig.start({ save_referrer: false }, 'noReferrerTok');
    expect(off.get_property('$initial_referrer')).toBeUndefined();
  });

  it('the first touch goes on the profile once, as set_once on identify (all ten initial_utm_*, absent ones null)', async () => {
    landing('/?utm_source=news&utm_medium=email', 'https://blog.example/post');
    const heed = rig.start();
    landing('/?utm_source=second'); // a later campaign does not replace the first touch
    heed.identify('user-1');
    await heed.flush();
    const [update] = rig.server.accepted('engage');
    expect(update.$distinct_id).toBe('user-1');
    expect(update.$set_once).toEqual({
      initial_utm_source: 'news', initial_utm_medium: 'email', initial_utm_campaign: null, initial_utm_content: null, initial_utm_term: null,
      initial_utm_id: null, initial_utm_source_platform: null, initial_utm_campaign_id: null, initial_utm_creative_format: null,
      initial_utm_marketing_tactic: null, $initial_referrer: 'https://blog.example/post', $initial_referring_domain: 'blog.example',
    });
  });

  it('skip_first_touch_marketing sends no first-touch update', async () => {
    landing('/?utm_source=news');
    const heed = rig.start({ skip_first_touch_marketing: true });
    heed.identify('user-1');
    await heed.flush();
    expect(rig.server.accepted('engage')).toEqual([]);
  });

  it('before consent nothing is stored; a visitor who accepts on the landing page keeps the campaign', async () => {
    landing('/?utm_source=news&gclid=G1', 'https://www.bing.com/search?q=heed');
    const heed = rig.start({ opt_out_tracking_by_default: true });
    expect(localEntries()).toEqual({});
    heed.opt_in_tracking();
    expect(JSON.parse(localStorage.getItem(PROFILE)!)).toMatchObject({ utm_source: 'news', $search_engine: 'bing', mp_keyword: 'heed' });
    const [optIn] = await sent(heed);
    expect(optIn.properties).toMatchObject({ utm_source: 'news', gclid: 'G1', $initial_referring_domain: 'www.bing.com' });
  });
});

describe('parsing, as mixpanel-browser reads URLs', () => {
  it('reads a key after ? or &, also in a #…? part, decodes + and %, and keeps a malformed value as sent', () => {
    expect(param('https://a.test/?x=1&utm_source=a+b', 'utm_source')).toBe('a b');
    expect(param('https://a.test/#/route?utm_source=spa', 'utm_source')).toBe('spa');
    expect(param('https://a.test/?utm_source=100%', 'utm_source')).toBe('100%');
    expect(param('https://a.test/?xutm_source=no', 'utm_source')).toBe('');
  });

  it('knows google, bing, yahoo (p=) and duckduckgo', () => {
    expect(searchInfo('https://search.yahoo.com/search?p=heed')).toEqual({ $search_engine: 'yahoo', mp_keyword: 'heed' });
    expect(searchInfo('https://duckduckgo.com/?q=a')).toEqual({ $search_engine: 'duckduckgo', mp_keyword: 'a' });
    expect(searchInfo('https://www.google.co.uk/')).toEqual({ $search_engine: 'google' });
    expect(searchInfo('https://example.com/?q=x')).toEqual({});
  });
});
