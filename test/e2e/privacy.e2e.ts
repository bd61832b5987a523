/**
 * Data-subject requests, the whole loop in real Chromium with nothing faked: heed tracks into the
 * real collector; the page's browser helper asks the app's backend (session cookie); the backend's
 * handler asks the GDPR client; the client talks to the collector's GDPR API (default dev token,
 * default 1 s job steps and 1 request/s limit). Effects are checked in SQLite and in the browser.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { DEV_GDPR_TOKEN } from '../../collector/src/gdpr';
import type { DataRequestStatus } from '../../src/entry/browser';
import { events, listStorage, newContext, pause, startRig, until, type Rig } from './rig';
import { startApp, type App } from './privacy-app';

type Helpers = typeof import('../../src/privacy/browser');
declare global {
  var privacy: Pick<Helpers, 'requestDataDeletion' | 'requestDataExport' | 'getDataRequestStatus' | 'requestOptOut'>;
}

const TOKEN = 'e2e-privacy-token';
const FLAG = `__mp_opt_in_out_${TOKEN}`;

let rig: Rig;
let app: App;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  rig = await startRig();
  app = await startApp({ token: TOKEN, oauthToken: DEV_GDPR_TOKEN, baseUrl: `${rig.collector.url}/api/app` }, rig.apiHost);
});
afterAll(async () => {
  await app?.close();
  await rig?.close();
});
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

/** A browser profile of its own, signed in as `user` (or not signed in), on the app's page. */
async function visit(user?: string, config: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<Page> {
  const context = await newContext(rig);
  if (headers) await context.setExtraHTTPHeaders(headers);
  contexts.push(context);
  const page = await context.newPage();
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  await page.goto(user ? app.login(user) : `${app.url}/pages/privacy.html`);
  await page.waitForFunction(() => typeof window.privacy === 'object', undefined, { timeout: 5000 }).catch((error: Error) => {
    throw new Error(`the page did not load heed: ${failures.join('; ') || error.message}`);
  });
  await page.evaluate(
    ([token, host, more]) => {
      heed.init(token, { api_host: host, batch_flush_interval_ms: 100, ...more });
    },
    [TOKEN, rig.apiHost, config] as const,
  );
  return page;
}

/** Browse anonymously, sign in as `person`, buy something, set the profile; wait until stored. */
async function browseAs(page: Page, person: string): Promise<void> {
  await page.evaluate(async (who) => {
    heed.track('landing');
    heed.identify(who);
    heed.track('purchase', { item: `${who}'s book` });
    heed.people.set({ email: `${who}@example.com` });
    await heed.flush();
  }, person);
  await until(() => events(rig, { distinct_id: person }).then((e) => e.length >= 2));
}

/** Every row the collector holds for a person: their events, their merged anonymous events, their profile. */
function stored(person: string) {
  const db = rig.collector.db;
  const devices = db
    .prepare(`SELECT DISTINCT json_extract(properties, '$."$device_id"') FROM events WHERE json_extract(properties, '$."$user_id"') = ?`)
    .pluck()
    .all(person) as string[];
  const ids = [person, ...devices.map((d) => `$device:${d}`)];
  return {
    events: db.prepare(`SELECT id FROM events WHERE token = ? AND distinct_id IN (SELECT value FROM json_each(?)) ORDER BY id`).pluck().all(TOKEN, JSON.stringify(ids)) as number[],
    profiles: db.prepare('SELECT distinct_id FROM profiles WHERE token = ? AND distinct_id = ?').pluck().all(TOKEN, person) as string[],
  };
}

type Outcome = { ok: DataRequestStatus } | { error: { name: string; status?: number; message: string } };

/** Calls a helper in the page; a rejection comes back as data. */
function inPage(page: Page, call: 'deletion' | 'export' | { task: string }): Promise<Outcome> {
  return page.evaluate(async (what) => {
    try {
      const ok =
        what === 'deletion' ? await privacy.requestDataDeletion(heed)
        : what === 'export' ? await privacy.requestDataExport(heed)
        : await privacy.getDataRequestStatus(what.task);
      return { ok };
    } catch (e) {
      const error = e as Error & { status?: number };
      return { error: { name: error.name, status: error.status, message: error.message } };
    }
  }, call);
}

/** Polls the task from the page (through the app's handler) until it ends. */
async function finish(page: Page, id: string): Promise<DataRequestStatus> {
  return until(async () => {
    const outcome = await inPage(page, { task: id });
    if (!('ok' in outcome)) throw new Error(`status failed: ${JSON.stringify(outcome.error)}`);
    return outcome.ok.terminal && outcome.ok;
  }, 30000);
}

const taskCount = async () => ((await (await fetch(`${rig.collector.url}/api/tasks`)).json()) as { tasks: unknown[] }).tasks.length;

test('deletion: the browser asks, the job reaches SUCCESS, the person is gone from SQLite, and the browser keeps only the opt-out flag', async () => {
  const ada = await visit('ada');
  await browseAs(ada, 'ada');
  const grace = await visit('grace');
  await browseAs(grace, 'grace');
  const before = stored('ada');
  expect(before.events.length).toBe(3); // landing (anonymous, merged at identify), $identify, purchase
  expect(before.profiles).toEqual(['ada']);
  const graceBefore = stored('grace');

  const outcome = await inPage(ada, 'deletion');
  if (!('ok' in outcome)) throw new Error(JSON.stringify(outcome.error));
  expect(outcome.ok).toMatchObject({ kind: 'deletion', status: 'PENDING', terminal: false, id: expect.stringMatching(/^deletion:/) });

  // Opted out at once: only the flag is stored by heed (the session cookie is the app's own).
  // Dropping the IndexedDB outbox is asynchronous: wait (bounded) until the database is gone.
  const storage = await until(() => listStorage(ada).then((s) => (s.indexedDB.length === 0 ? s : undefined)), 5000);
  expect(storage.localStorage).toEqual({ [FLAG]: '0' });
  expect(storage.sessionStorage).toEqual({});
  expect(storage.indexedDB).toEqual([]);
  expect(storage.cookies.filter((c) => !c.startsWith('session='))).toEqual([]);
  expect(await ada.evaluate(() => [heed.has_opted_out_tracking(), heed.get_property('$user_id') ?? null])).toEqual([true, null]);

  expect((await finish(ada, outcome.ok.id)).status).toBe('SUCCESS');
  expect(stored('ada')).toEqual({ events: [], profiles: [] });
  expect(stored('grace')).toEqual(graceBefore);

  // Nothing new arrives from the opted-out browser, nor from the backend's own tracking of her.
  await ada.evaluate(() => heed.track('after deletion'));
  await app.job('ada');
  await app.job('grace');
  await pause(400);
  expect(await events(rig, { event: 'after deletion' })).toEqual([]);
  expect((await events(rig, { event: 'server job' })).map((e) => e.distinct_id)).toEqual(['grace']);
});

test('export: the downloaded file holds exactly that person’s data, and tracking goes on', async () => {
  const lin = await visit('lin');
  await browseAs(lin, 'lin');
  const other = await visit('mo');
  await browseAs(other, 'mo');

  const outcome = await inPage(lin, 'export');
  if (!('ok' in outcome)) throw new Error(JSON.stringify(outcome.error));
  const done = await finish(lin, outcome.ok.id);
  expect(done).toMatchObject({ kind: 'export', status: 'SUCCESS', url: expect.stringMatching(/^http:\/\/.+\.json$/) });

  // Downloaded by the page itself, as the person would.
  const file = await lin.evaluate(async (url) => (await fetch(url)).json(), done.url!);
  const expected = stored('lin');
  expect(file.events.map((e: { id: number }) => e.id)).toEqual(expected.events);
  expect(file.events.every((e: { token: string; properties: { $user_id?: string } }) => e.token === TOKEN)).toBe(true);
  expect(file.profiles.map((p: { distinct_id: string; properties: unknown }) => [p.distinct_id, p.properties])).toEqual([
    // people.set adds the browser it was set from, as mixpanel-browser's does
    ['lin', { email: 'lin@example.com', $os: expect.any(String), $browser: 'Chrome', $browser_version: expect.any(Number) }],
  ]);
  expect(JSON.stringify(file)).not.toContain('mo@example.com');
  expect(await lin.evaluate(() => heed.has_opted_out_tracking())).toBe(false);
});

test('unauthorised callers get 401 and change nothing: no session, or a session asking for someone else', async () => {
  const victim = await visit('vic');
  await browseAs(victim, 'vic');
  // Two browsers that hold vic's identity: one without a session, one signed in as eve.
  const anonymous = await visit();
  const eve = await visit('eve');
  for (const page of [anonymous, eve]) await page.evaluate(() => (heed.identify('vic'), heed.flush()));
  const before = { rows: stored('vic'), tasks: await taskCount() };

  for (const kind of ['deletion', 'export'] as const) {
    expect(await inPage(anonymous, kind)).toEqual({ error: expect.objectContaining({ name: 'HeedError', status: 401 }) });
  }
  expect(await inPage(eve, 'deletion')).toEqual({ error: expect.objectContaining({ status: 401, message: expect.stringMatching(/not authorized/) }) });
  for (const page of [anonymous, eve]) expect(await page.evaluate(() => heed.has_opted_out_tracking())).toBe(false);
  expect({ rows: stored('vic'), tasks: await taskCount() }).toEqual(before);

  // And a job can only be read by the person it was made for.
  const mine = await inPage(victim, 'export');
  if (!('ok' in mine)) throw new Error(JSON.stringify(mine.error));
  expect(await inPage(eve, { task: mine.ok.id })).toEqual({ error: expect.objectContaining({ status: 404 }) });
});

describe('the person’s "no" reaches the backend’s own tracking', () => {
  /** The page asks the backend for work; the backend tracks it for the person behind the request. */
  const work = (page: Page) => page.evaluate(async () => (await fetch('/app/work', { credentials: 'include' })).json() as Promise<{ status: string; tracked: boolean }>);
  const serverEvents = (person: string) => events(rig, { event: 'server work', distinct_id: person });

  test('opt_out_tracking() in the browser (flag in a cookie): the next request to the backend sends nothing for them', async () => {
    const ivy = await visit('ivy', { opt_out_tracking_persistence_type: 'cookie' });
    const jo = await visit('jo', { opt_out_tracking_persistence_type: 'cookie' });
    expect(await work(ivy)).toEqual({ status: 'granted', tracked: true });
    await until(() => serverEvents('ivy').then((e) => e.length === 1));

    await ivy.evaluate(() => heed.opt_out_tracking());
    expect(await work(ivy)).toEqual({ status: 'denied', tracked: false });
    expect(await work(jo)).toEqual({ status: 'granted', tracked: true });
    await until(() => serverEvents('jo').then((e) => e.length === 1));
    expect(await serverEvents('ivy')).toHaveLength(1); // only the one from before the "no"
  });

  test('Sec-GPC: 1 and no decision: the backend tracks nothing; an explicit opt-in (the "1" cookie) wins over GPC', async () => {
    const gpc = await visit('gil', { opt_out_tracking_persistence_type: 'cookie' }, { 'Sec-GPC': '1' });
    expect(await work(gpc)).toEqual({ status: 'denied', tracked: false });
    await gpc.evaluate(() => heed.opt_in_tracking());
    expect(await work(gpc)).toEqual({ status: 'granted', tracked: true });
    await until(() => serverEvents('gil').then((e) => e.length === 1));
  });

  test('requestOptOut() after opt_out_tracking(): the backend stops tracking them everywhere, requests or not', async () => {
    const kim = await visit('kim');
    await app.job('kim');
    await until(() => events(rig, { event: 'server job', distinct_id: 'kim' }).then((e) => e.length === 1));
    const sent = await kim.evaluate(async () => {
      heed.opt_out_tracking();
      const bodies: string[] = [];
      const original = window.fetch;
      window.fetch = (input, init) => (bodies.push(String(init?.body)), original(input, init));
      const result = await privacy.requestOptOut();
      window.fetch = original;
      return { result, bodies };
    });
    expect(sent).toEqual({ result: { suppressed: true }, bodies: ['{}'] }); // only the refusal, no ids
    await app.job('kim');
    await app.job('lee');
    await until(() => events(rig, { event: 'server job', distinct_id: 'lee' }).then((e) => e.length === 1));
    expect(await events(rig, { event: 'server job', distinct_id: 'kim' })).toHaveLength(1);
    expect(await work(kim)).toMatchObject({ tracked: false }); // the consent cookie is local storage here: suppression stops it
  });
});
