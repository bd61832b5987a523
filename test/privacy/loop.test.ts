/**
 * The whole server-side loop with nothing faked: heed (Node entry) tracks into the real collector;
 * an app backend (createPrivacyHandler + toNodeHandler, sessions in a cookie) asks the real client,
 * which talks to the collector's GDPR API under its real 1 request/s limit.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startCollector, type Collector } from '../../collector/src/index';
import { createHeed } from '../../src/entry/node';
import { createPrivacyClient, createPrivacyHandler, toNodeHandler, type DataRequestStatus, type PrivacyClient } from '../../src/privacy';

const TOKEN = 'loop-project';
const GDPR_TOKEN = 'loop-gdpr-token';
jest.setTimeout(60000);

let dir: string;
let collector: Collector;
let client: PrivacyClient;
let app: Server;
let appUrl: string;
let backend: ReturnType<typeof createHeed>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heed-loop-'));
  // The collector's default 1 request/s limit stays on: the client's pacing must keep within it.
  collector = await startCollector({ db: join(dir, 'c.db'), gdprToken: GDPR_TOKEN, gdprStepMs: 40 });
  client = createPrivacyClient({ token: TOKEN, oauthToken: GDPR_TOKEN, baseUrl: `${collector.url}/api/app` });
  // The backend's own tracker: a deletion suppresses the person in it before asking Mixpanel.
  backend = createHeed();
  backend.init(TOKEN, { api_host: collector.url });
  const handler = createPrivacyHandler({
    client,
    suppress: backend,
    authorize: (request) => /(?:^|;\s*)session=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? null,
  });
  app = createServer(toNodeHandler(handler));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;

  for (const person of ['alice', 'bob']) {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: collector.url, batch_flush_interval_ms: 60000 });
    heed.track('anonymous visit'); // before sign-in: a $device: id, merged at identify
    heed.identify(person);
    heed.track('purchase', { item: `${person}'s book` });
    heed.people.set({ email: `${person}@example.com` });
    await heed.flush();
  }
});
afterAll(async () => {
  await backend?.flush();
  await new Promise<void>((resolve) => app?.close(() => resolve()));
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (path: string, session?: string, body?: unknown) =>
  fetch(`${appUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(session ? { cookie: `session=${session}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function untilDone(id: string, session: string): Promise<DataRequestStatus> {
  for (;;) {
    const response = await ask(`/privacy/tasks/${encodeURIComponent(id)}`, session);
    expect(response.status).toBe(200);
    const status = (await response.json()) as DataRequestStatus;
    if (status.terminal) return status;
  }
}

const count = (sql: string, ...args: unknown[]) => collector.db.prepare(sql).pluck().get(...args) as number;
const personRows = (person: string) =>
  count(`SELECT count(*) FROM events WHERE token = ? AND (distinct_id = ? OR json_extract(properties, '$."$user_id"') = ?)`, TOKEN, person, person);
const gdprRequests = () =>
  collector.db.prepare("SELECT status, at FROM requests WHERE path LIKE '/api/app/data-%' ORDER BY id").all() as { status: number; at: number }[];

test('unauthorised callers get 401 and change nothing', async () => {
  const tasks = () => count('SELECT count(*) FROM gdpr_tasks');
  const before = tasks();
  expect((await ask('/privacy/deletion', undefined, {})).status).toBe(401);
  expect((await ask('/privacy/deletion', 'alice', { distinct_id: 'bob' })).status).toBe(401);
  expect((await ask('/privacy/export', 'alice', { user_id: 'bob' })).status).toBe(401);
  expect(tasks()).toBe(before);
  expect(personRows('bob')).toBeGreaterThan(0);
});

test('deletion: handler → client → collector → SUCCESS, and exactly that person is gone from SQLite', async () => {
  const aliceEvents = personRows('alice');
  const anonymous = count(`SELECT count(*) FROM events WHERE token = ? AND distinct_id LIKE '$device:%'`, TOKEN);
  expect(aliceEvents).toBeGreaterThanOrEqual(2);
  const bobBefore = personRows('bob');

  const created = await ask('/privacy/deletion', 'alice', { distinct_id: 'alice', user_id: 'alice' });
  expect(created.status).toBe(201);
  const task = (await created.json()) as DataRequestStatus;
  expect(task).toMatchObject({ kind: 'deletion', status: 'PENDING' });
  // Someone else cannot read alice's job.
  expect((await ask(`/privacy/tasks/${encodeURIComponent(task.id)}`, 'bob')).status).toBe(404);

  expect((await untilDone(task.id, 'alice')).status).toBe('SUCCESS');
  expect(personRows('alice')).toBe(0);
  expect(count(`SELECT count(*) FROM events WHERE token = ? AND distinct_id LIKE '$device:%'`, TOKEN)).toBe(anonymous - 1);
  expect(count('SELECT count(*) FROM profiles WHERE distinct_id = ?', 'alice')).toBe(0);
  expect(personRows('bob')).toBe(bobBefore);
  expect(count('SELECT count(*) FROM profiles WHERE distinct_id = ?', 'bob')).toBe(1);
  // And the backend tracks alice no more.
  expect(backend.isSuppressed('alice')).toBe(true);
  backend.track('server-side purchase', { distinct_id: 'alice' });
  await backend.flush();
  expect(personRows('alice')).toBe(0);
});

test('export: the downloaded file holds exactly that person’s events and profile', async () => {
  const created = await ask('/privacy/export', 'bob', {});
  expect(created.status).toBe(201);
  const done = await untilDone(((await created.json()) as DataRequestStatus).id, 'bob');
  expect(done.status).toBe('SUCCESS');
  const file = (await (await fetch(done.url!)).json()) as { events: { id: number; distinct_id: string }[]; profiles: { distinct_id: string }[] };
  const expected = collector.db
    .prepare(
      `SELECT id FROM events WHERE token = ? AND (distinct_id = 'bob' OR distinct_id IN (
         SELECT '$device:' || json_extract(properties, '$."$device_id"') FROM events WHERE json_extract(properties, '$."$user_id"') = 'bob'))
       ORDER BY id`,
    )
    .pluck()
    .all(TOKEN);
  expect(file.events.map((e) => e.id)).toEqual(expected);
  expect(new Set(file.events.map((e) => e.distinct_id))).toEqual(new Set(['bob', expect.stringMatching(/^\$device:/)]));
  expect(file.profiles.map((p) => p.distinct_id)).toEqual(['bob']);
});

test('chunking against the collector: 4,500 ids become 3 jobs, all paced within 1 request/s', async () => {
  const ids = Array.from({ length: 4500 }, (_, i) => `bulk-${i}`);
  const tasks = await client.createDeletion({ distinctIds: ids });
  expect(tasks.map((t) => t.distinctIds.length)).toEqual([1999, 1999, 502]);
  const stored = collector.db.prepare('SELECT id, distinct_ids FROM gdpr_tasks WHERE id IN (?, ?, ?)').all(...tasks.map((t) => t.id)) as { distinct_ids: string }[];
  expect(stored.flatMap((r) => JSON.parse(r.distinct_ids) as string[]).sort()).toEqual([...ids].sort());
  const states = await Promise.all(tasks.map((t) => client.waitFor(t, { pollInterval: 10 })));
  expect(states.map((s) => s.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);

  // Every GDPR request of this file: none refused with 429, each at least a second after the last.
  const log = gdprRequests();
  expect(log.length).toBeGreaterThan(8);
  expect(log.filter((r) => r.status === 429)).toEqual([]);
  for (let i = 1; i < log.length; i++) expect(log[i]!.at - log[i - 1]!.at).toBeGreaterThanOrEqual(1000);
});

test('cancel against the collector: 405 becomes the typed "not cancellable"', async () => {
  const [task] = await client.createDeletion({ distinctIds: ['carol'] });
  // The next request waits a paced second; the 40 ms clock has finished the job by then.
  await expect(client.cancelDeletion(task!.id)).rejects.toMatchObject({ name: 'PrivacyRequestError', code: 'not_cancellable', status: 405 });

  const slow = await startCollector({ gdprToken: GDPR_TOKEN, gdprStepMs: 60000, gdprMinIntervalMs: 0 });
  try {
    const quick = createPrivacyClient({ token: TOKEN, oauthToken: GDPR_TOKEN, baseUrl: `${slow.url}/api/app`, interval: 0 });
    const [pending] = await quick.createDeletion({ distinctIds: ['dave'] });
    await quick.cancelDeletion(pending!.id);
    expect((await quick.getDeletion(pending!.id)).status).toBe('REVOKED');
    await expect(createPrivacyClient({ token: TOKEN, oauthToken: 'wrong', baseUrl: `${slow.url}/api/app` }).getDeletion(pending!.id)).rejects.toMatchObject({
      name: 'PrivacyAuthError',
      status: 401,
    });
  } finally {
    await slow.close();
  }
});
