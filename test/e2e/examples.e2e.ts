/**
 * Every example in examples/, run with the one command its README gives, checked in Chromium (the
 * pages) or over HTTP (the Node ones) against a real collector.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Heed } from '../../src/types';
import { startCollector, type Collector } from '../../collector/src/index';
import { newContext, pause, startRig, until, type Rig } from './rig';
import { ROOT, runExample, runToEnd, type RunningExample } from './run-example';

// Long enough that a batch would have been sent (the examples flush every second at most).
const QUIET = 1300;

interface Row {
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
}

/** The collector's read API at `base`. */
const api = {
  events: async (base: string, query: Record<string, string> = {}): Promise<Row[]> =>
    ((await (await fetch(`${base}/api/events?${new URLSearchParams(query)}`)).json()) as { events: Row[] }).events,
  /** Ingestion requests that carried data (preflights aside). */
  ingest: async (base: string): Promise<unknown[]> =>
    ((await (await fetch(`${base}/api/requests`)).json()) as { requests: { path: string; method: string }[] }).requests.filter(
      (r) => /^\/(track|engage|groups)\/?$/.test(r.path) && r.method !== 'OPTIONS',
    ),
  reset: (base: string) => fetch(`${base}/api/reset`, { method: 'POST' }),
};
const arrived = (base: string, event: string) => until(() => api.events(base, { event }).then((e) => e.length > 0 && e));

let rig: Rig; // Chromium, and a collector for the Node example
let context: BrowserContext | undefined;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(() => rig?.close());
afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function open(url: string, initScript?: string): Promise<Page> {
  context = await newContext(rig, initScript);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** Start an example's server for a describe block; it must stop cleanly on SIGTERM. */
function useExample(script: string): () => RunningExample {
  let running: RunningExample;
  beforeAll(async () => {
    running = await runExample(script);
  }, 60000);
  afterAll(async () => {
    expect(await running?.stop()).toEqual({ code: 0, signal: null });
  });
  beforeEach(() => api.reset(running.urls.inspector!.replace(/\/$/, '')));
  return () => running;
}

/** The page's heed sent everything it had queued (the script-tag page has a global `heed`). */
const flushed = (page: Page) => page.evaluate(() => (window as unknown as { heed: Heed }).heed.flush());

const GPC = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });`;

describe('script-tag: a marketing page, the snippet and a banner honouring GPC', () => {
  const example = useExample('examples/script-tag/serve.mjs');
  const base = () => example().urls.inspector!.replace(/\/$/, '');

  test('the page and README.md print the snippet exactly as built', () => {
    const snippet = readFileSync(join(ROOT, 'dist/heed-snippet.min.js'), 'utf8').trim();
    expect(readFileSync(join(ROOT, 'examples/script-tag/index.html'), 'utf8')).toContain(snippet);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(snippet);
  });

  test('opted out by default: nothing is sent until "Allow"; a returning visitor is not asked again', async () => {
    const page = await open(example().urls.site!);
    await page.waitForSelector('#banner:visible');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('no'); // "no" is the default
    expect(await page.isVisible('#why')).toBe(false);
    await page.click('#signup');
    await flushed(page);
    expect(await api.ingest(base())).toHaveLength(0);

    await page.click('#yes');
    await arrived(base(), '$opt_in');
    await page.click('#signup');
    const [cta] = await arrived(base(), 'CTA Clicked');
    expect(cta!.properties).toMatchObject({ cta: 'hero', token: 'script-tag-example' });
    expect(await page.textContent('#analytics-state')).toBe('on');

    await page.reload();
    await arrived(base(), '$mp_web_page_view'); // the queued track_pageview, now allowed
    expect(await page.isHidden('#banner')).toBe(true);
  });

  test('with Global Privacy Control the banner defaults to "no" and says why; "Allow" still opts in', async () => {
    const page = await open(example().urls.site!, GPC);
    await page.waitForSelector('#banner:visible');
    expect(await page.textContent('#why')).toContain('Global Privacy Control');
    expect(await page.textContent('#no')).toBe('Keep it off');
    expect(await page.evaluate(() => [document.activeElement?.id, (window as unknown as { heed: Heed }).heed.consent.status()])).toEqual([
      'no',
      'denied',
    ]);
    await page.click('#signup');
    await flushed(page);
    expect(await api.ingest(base())).toHaveLength(0);

    await page.click('#yes');
    await page.click('#signup');
    await arrived(base(), 'CTA Clicked');
  });
});

describe('npm-app: rollup, a typed event map and a settings page', () => {
  const example = useExample('examples/npm-app/serve.mjs');
  const base = () => example().urls.inspector!.replace(/\/$/, '');

  async function addTodo(page: Page, text: string) {
    await page.click('a[href="#/"]');
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    await page.waitForSelector(`#list li:has-text("${text}")`);
  }

  test('the settings toggle turns tracking on and off', async () => {
    const page = await open(example().urls.site! + '#/settings');
    expect(await page.textContent('#consent-status')).toBe('pending');
    expect(await page.isChecked('#analytics')).toBe(false);
    await addTodo(page, 'before consent');
    await pause(QUIET);
    expect(await api.ingest(base())).toHaveLength(0);

    await page.click('a[href="#/settings"]');
    await page.check('#analytics');
    expect(await page.textContent('#consent-status')).toBe('granted');
    await arrived(base(), '$opt_in');
    await addTodo(page, 'buy milk');
    const [added] = await arrived(base(), 'Todo Added');
    expect(added!.properties).toMatchObject({ length: 8, open: 2, token: 'npm-app-example' });

    await page.click('a[href="#/settings"]');
    await page.uncheck('#analytics');
    expect(await page.textContent('#consent-status')).toBe('denied');
    const sent = (await api.events(base())).length;
    await addTodo(page, 'after opting out');
    await pause(QUIET);
    expect(await api.events(base())).toHaveLength(sent);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({ '__mp_opt_in_out_npm-app-example': '0' });
  });
});

describe('cmp-tcf: a TCF CMP on the IAB’s CmpApi, wired with fromTCF', () => {
  const example = useExample('examples/cmp-tcf/serve.mjs');
  const base = () => example().urls.inspector!.replace(/\/$/, '');

  test('"Accept": events arrive, from the CMP’s TC string; a returning visitor is tracked without the banner', async () => {
    const page = await open(example().urls.site!);
    await page.waitForSelector('#cmp:visible');
    expect(await page.textContent('#consent-status')).toBe('pending');
    await page.click('#read');
    await page.click('[data-accept]');
    const [optIn] = await arrived(base(), '$opt_in');
    expect(optIn!.properties.$consent_source).toBe('tcf');
    await page.click('#read');
    await arrived(base(), 'Article Read');
    expect(await api.events(base(), { event: '$mp_web_page_view' })).toHaveLength(0); // before the choice: dropped

    const tcData = await page.evaluate(
      () => new Promise<any>((resolve) => (window as any).__tcfapi('getTCData', 2, (data: unknown) => resolve(data))),
    );
    expect(tcData).toMatchObject({ cmpId: 2, gdprApplies: true, purpose: { consents: { 1: true, 8: true } } });
    expect(tcData.tcString).toMatch(/^C/);

    await page.reload();
    await arrived(base(), '$mp_web_page_view');
    expect(await page.isHidden('#cmp')).toBe(true);
    expect(await api.events(base(), { event: '$opt_in' })).toHaveLength(1); // no second opt-in
  });

  test('"Reject": nothing is sent and heed stores only its "no"', async () => {
    const page = await open(example().urls.site!);
    await page.waitForSelector('#cmp:visible');
    await page.click('[data-reject]');
    await page.waitForFunction(() => document.getElementById('consent-status')!.textContent === 'denied');
    await page.click('#read');
    await pause(QUIET);
    expect(await api.ingest(base())).toHaveLength(0);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({ '__mp_opt_in_out_cmp-tcf-example': '0' });
  });
});

describe('node: a script that flushes on exit and honours DO_NOT_TRACK', () => {
  test('its events arrive; with DO_NOT_TRACK=1 none do', async () => {
    const url = rig.collector.url;
    const run = await runToEnd('examples/node/track.mjs', { HEED_API_HOST: url, HEED_TOKEN: 'node-example-1', DO_NOT_TRACK: undefined });
    expect(run).toEqual({ code: 0, output: 'sent 5 events\n' });
    const sent = await api.events(url, { token: 'node-example-1' });
    expect(sent.map((e) => e.event)).toEqual(['Job Started', 'Image Resized', 'Image Resized', 'Image Resized', 'Job Finished']);

    const before = (await api.ingest(url)).length;
    const quiet = await runToEnd('examples/node/track.mjs', { HEED_API_HOST: url, HEED_TOKEN: 'node-example-2', DO_NOT_TRACK: '1' });
    expect(quiet).toEqual({ code: 0, output: 'tracking is off (DO_NOT_TRACK): nothing sent\n' });
    expect(await api.ingest(url)).toHaveLength(before);
  });
});

describe('privacy-backend: the privacy handler behind a session cookie', () => {
  let collector: Collector;
  let backend: RunningExample;
  let url: string;
  beforeAll(async () => {
    collector = await startCollector({ db: ':memory:', gdprStepMs: 20 });
    backend = await runExample('examples/privacy-backend/server.mjs', ['--port', '0'], { env: { HEED_COLLECTOR_URL: collector.url } });
    url = backend.urls.backend!;
  });
  afterAll(async () => {
    expect(await backend?.stop()).toEqual({ code: 0, signal: null });
    await collector?.close();
  });

  const signIn = async (user: string) => {
    const res = await fetch(`${url}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
    expect(res.status).toBe(200);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  };
  const ask = (path: string, cookie?: string, body?: unknown) =>
    fetch(`${url}/privacy/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const finished = (id: string, cookie: string) =>
    until(async () => {
      const state = (await (await ask(`tasks/${encodeURIComponent(id)}`, cookie)).json()) as { status: string; terminal: boolean; url?: string };
      return state.terminal && state;
    }, 20000);

  test('a signed-in person can export and delete their own data, and only theirs', async () => {
    const track = (distinct_id: string, event: string) =>
      fetch(`${collector.url}/track`, {
        method: 'POST',
        body: new URLSearchParams({ data: JSON.stringify([{ event, properties: { token: 'heed-example', distinct_id } }]) }),
      });
    await track('ada', 'Signed Up');
    await track('ada', 'Paid');
    await track('bob', 'Signed Up');

    expect((await ask('export', undefined, {})).status).toBe(401); // not signed in
    const ada = await signIn('ada');
    const bob = await signIn('bob');
    expect((await ask('export', ada, { distinct_id: 'bob' })).status).toBe(401); // someone else's id

    const exported = await ask('export', ada, { distinct_id: 'ada' });
    expect(exported.status).toBe(201);
    const { id } = (await exported.json()) as { id: string };
    expect((await ask(`tasks/${encodeURIComponent(id)}`, bob)).status).toBe(404); // not bob's task
    const done = await finished(id, ada);
    expect(done).toMatchObject({ status: 'SUCCESS', url: expect.stringContaining(collector.url) });
    const file = (await (await fetch(done.url!)).json()) as { events: Row[] };
    expect(file.events.map((e) => [e.distinct_id, e.event])).toEqual([['ada', 'Signed Up'], ['ada', 'Paid']]);

    const deletion = await ask('deletion', ada, {});
    expect(deletion.status).toBe(201);
    expect(await finished(((await deletion.json()) as { id: string }).id, ada)).toMatchObject({ status: 'SUCCESS' });
    expect(await api.events(collector.url, { distinct_id: 'ada' })).toEqual([]);
    expect(await api.events(collector.url, { distinct_id: 'bob' })).toHaveLength(1);
  }, 30000);

  test('MIXPANEL_* variables send the requests to Mixpanel, in the region named', async () => {
    const script = `import { clientOptions } from './examples/privacy-backend/backend.mjs';
      console.log(JSON.stringify([
        clientOptions({ MIXPANEL_PROJECT_TOKEN: 'p', MIXPANEL_GDPR_TOKEN: 's', MIXPANEL_REGION: 'eu' }),
        clientOptions({}, 'http://127.0.0.1:9'),
      ]));
      try { clientOptions({ MIXPANEL_PROJECT_TOKEN: 'p' }); } catch (e) { console.log(e.message); }`;
    const { execFileSync } = await import('node:child_process');
    const [options, error] = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    expect(JSON.parse(options!)).toEqual([
      { token: 'p', oauthToken: 's', region: 'eu' },
      { token: 'heed-example', oauthToken: 'heed-dev-gdpr-token', baseUrl: 'http://127.0.0.1:9/api/app' },
    ]);
    expect(error).toMatch(/set both MIXPANEL_PROJECT_TOKEN and MIXPANEL_GDPR_TOKEN/);
  });
});
