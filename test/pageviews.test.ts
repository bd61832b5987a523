/** @jest-environment jsdom */
import type { Heed, InitConfig } from '../src/entry/browser';
import { useTracker } from './helpers/tracker';

const rig = useTracker('pageviewTok');
afterEach(() => history.replaceState({}, '', '/'));

/** Page views that reached the server, as `[event, current_url_path + search]`. */
async function views(heed: Heed) {
  await heed.flush();
  return rig.server
    .accepted('track')
    .filter((e) => /page_view|Page/.test(e.event) && e.properties.token === heed.get_config('token'))
    .map((e) => [e.event, e.properties.current_url_path + e.properties.current_url_search]);
}
const start = (track_pageview: InitConfig['track_pageview'], config: InitConfig = {}) => rig.start({ track_pageview, ...config });

describe('track_pageview at init', () => {
  it('true: one $mp_web_page_view with the page properties', async () => {
    history.replaceState({}, '', '/pricing?plan=pro');
    document.title = 'Pricing';
    const heed = start(true);
    history.pushState({}, '', '/elsewhere'); // not a page view in this mode
    expect(await views(heed)).toEqual([['$mp_web_page_view', '/pricing?plan=pro']]);
    expect(rig.server.accepted('track')[0].properties).toMatchObject({ current_page_title: 'Pricing', current_domain: 'localhost', current_url_protocol: 'http:' });
  });

  it('false (the default): none', async () => {
    expect(await views(rig.start())).toEqual([]);
  });

  it('before consent: nothing, then exactly one once the visitor accepts (and not again on a second grant)', async () => {
    const heed = start(true, { opt_out_tracking_by_default: true });
    await heed.flush();
    expect(rig.server.requests).toEqual([]);
    heed.opt_in_tracking();
    await heed.flush();
    heed.opt_out_tracking({ delete_user: false });
    heed.opt_in_tracking();
    expect((await views(heed)).map(([e]) => e)).toEqual(['$mp_web_page_view']);
  });
});

describe('single-page apps', () => {
  it("'full-url': every URL change through pushState, replaceState, popstate and hashchange, never twice for one URL", async () => {
    history.replaceState({}, '', '/a');
    const heed = start('full-url');
    history.pushState({}, '', '/b');
    history.pushState({}, '', '/b'); // the same URL again
    history.replaceState({}, '', '/b?x=1');
    location.hash = 'top';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    history.pushState({}, '', '/a');
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect((await views(heed)).map(([, url]) => url)).toEqual(['/a', '/b', '/b?x=1', '/b?x=1', '/a']);
    // The hash change is a new full URL: its path and search are those of /b?x=1.
    expect(rig.server.accepted('track')[3].properties.$current_url).toBe('http://localhost/b?x=1#top');
  });

  it("'url-with-path-and-query-string' ignores hash changes; 'url-with-path' also query changes", async () => {
    history.replaceState({}, '', '/a');
    const withQuery = start('url-with-path-and-query-string');
    history.pushState({}, '', '/a#h');
    history.pushState({}, '', '/a?q=1');
    expect((await views(withQuery)).map(([, url]) => url)).toEqual(['/a', '/a?q=1']);

    history.replaceState({}, '', '/p');
    const pathOnly = rig.start({ track_pageview: 'url-with-path' }, 'pathOnlyTok');
    history.pushState({}, '', '/p?q=2');
    history.pushState({}, '', '/p#x');
    history.pushState({}, '', '/q');
    expect((await views(pathOnly)).map(([, url]) => url)).toEqual(['/p', '/q']);
  });
});

describe('track_pageview(props, options)', () => {
  it('takes { event_name } as mixpanel-browser does, and the caller properties win', async () => {
    const heed = rig.start();
    history.replaceState({}, '', '/docs?utm_source=news');
    heed.track_pageview({ section: 'docs', current_url_path: '/custom' }, { event_name: '[internal] Docs View' });
    const [e] = rig.server.accepted('track').length ? rig.server.accepted('track') : (await heed.flush(), rig.server.accepted('track'));
    expect(e.event).toBe('[internal] Docs View');
    expect(e.properties).toMatchObject({ section: 'docs', current_url_path: '/custom', utm_source: 'news' });
  });
});
