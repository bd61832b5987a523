/**
 * The request log behind the inspector's requests view: every request as it arrived (before
 * de-duplication), with its encoding, item counts, the people and devices it carried and the
 * copies it repeated; ids removed by a GDPR deletion; older database files upgraded in place.
 */
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { openStore } from '../src/store.js';
import { FORM, TOKEN, count, event, form, startTestCollector, type TestCollector } from './helpers.js';

let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector({ gdprToken: 'rq-gdpr', gdprStepMs: 10, gdprMinIntervalMs: 0 });
});
afterAll(() => t.close());
beforeEach(() => t.reset());

const logged = async (query = '') => (await t.request(`/api/requests${query}`)).json.requests as any[];
const view = async (query = '') => (await t.request(`/api/inspector/requests${query}`)).json.requests as any[];

test('each request keeps its time, endpoint, counts, bytes, encoding and status', async () => {
  const before = Date.now();
  await t.post('/track', form([event('A'), { event: '', properties: {} }]), FORM);
  await t.post('/track', form([event('B')], 'base64'), FORM);
  await t.post('/engage', zlib.gzipSync(JSON.stringify([{ $token: TOKEN, $distinct_id: 'u', $set: { a: 1 } }])), { 'content-encoding': 'gzip' });
  await t.request(`/track?data=${encodeURIComponent(Buffer.from(JSON.stringify([event('C')])).toString('base64'))}`);
  await t.post('/track', 'data=%7Bnot json', FORM);
  await t.post('/groups', zlib.gzipSync('x'.repeat(100)).subarray(0, 10), { 'content-encoding': 'gzip' });
  const rows = await logged();
  expect(rows.map((r) => [r.method, r.path, r.status, r.received, r.items, r.encoding])).toEqual([
    ['POST', '/track', 200, 2, 1, 'json'],
    ['POST', '/track', 200, 1, 1, 'base64'],
    ['POST', '/engage', 200, 1, 1, 'raw, gzip'],
    ['GET', '/track', 200, 1, 1, 'base64'],
    ['POST', '/track', 400, null, 0, null],
    ['POST', '/groups', 400, null, 0, 'gzip'], // refused before decoding: how it came is still known
  ]);
  for (const row of rows) expect(row.at).toBeGreaterThanOrEqual(before);
  expect(rows[2].bytes).toBe(Buffer.byteLength(JSON.stringify([{ $token: TOKEN, $distinct_id: 'u', $set: { a: 1 } }])));
});

test('the people and devices a request carried, valid items or not', async () => {
  await t.post('/track', [
    event('$identify', { distinct_id: 'ada', $anon_distinct_id: '$device:d-1', $device_id: 'd-1', $user_id: 'ada' }),
    event('Viewed', { distinct_id: '$device:d-2', $device_id: 'd-2' }),
    { event: 'broken', properties: { distinct_id: 'eve' } }, // no token: refused, but it arrived
    event('Numbered', { distinct_id: 42 }),
  ]);
  await t.post('/engage', [{ $token: TOKEN, $distinct_id: 'bob', $device_id: 'd-3', $user_id: 'bob', $set: { a: 1 } }]);
  const [track, engage] = await logged();
  expect(track).toMatchObject({ received: 4, items: 3, distinct_ids: ['ada', '$device:d-1', '$device:d-2', 'eve', '42'], device_ids: ['d-1', 'd-2'] });
  expect(engage).toMatchObject({ distinct_ids: ['bob'], device_ids: ['d-3'] });
});

test('copies of an event sent again are counted per request; the stored rows stay de-duplicated', async () => {
  const a = event('Bought');
  const b = event('Bought');
  await t.post('/track', [a]);
  await t.post('/track', [a, b, b]); // a again, b twice in one request
  await t.post('/track', [{ event: 'no id', properties: { token: TOKEN, distinct_id: 'x' } }]);
  const rows = await logged();
  expect(rows.map((r) => [r.items, r.duplicates, r.duplicate_ids])).toEqual([
    [1, 0, []],
    [3, 2, [a.properties.$insert_id, b.properties.$insert_id]],
    [1, 0, []],
  ]);
  expect(count(t, 'events')).toBe(3);
});

test('the inspector filters requests by distinct_id and device id (substrings), newest first', async () => {
  await t.post('/track', [event('E', { distinct_id: 'ada.lovelace', $device_id: 'dev-AAA' })]);
  await t.post('/track', [event('E', { distinct_id: 'bob', $device_id: 'dev-BBB' })]);
  await t.request('/track', { method: 'OPTIONS' });
  expect((await view()).map((r) => r.method)).toEqual(['OPTIONS', 'POST', 'POST']);
  expect((await view('?distinct_id=LOVE')).map((r) => r.distinct_ids)).toEqual([['ada.lovelace']]);
  expect((await view('?device=bbb')).map((r) => r.device_ids)).toEqual([['dev-BBB']]);
  expect(await view('?device=bbb&distinct_id=ada')).toEqual([]);
  expect(await view('?distinct_id=%25')).toEqual([]); // '%' is a character, not a wildcard
});

test('a GDPR deletion removes the person\'s ids from the log; the rows and other people stay', async () => {
  await t.post('/track', [
    event('$identify', { distinct_id: 'ada', $anon_distinct_id: '$device:d-9', $device_id: 'd-9', $user_id: 'ada' }),
    event('E', { distinct_id: 'bob', $device_id: 'd-bob' }),
  ]);
  await t.post('/track', [event('Anon', { distinct_id: '$device:d-9', $device_id: 'd-9' })]);
  const created = await t.post(`/api/app/data-deletions/v3.0?token=${TOKEN}`, { distinct_ids: ['ada'] }, { authorization: 'Bearer rq-gdpr' });
  expect(created.status).toBe(201);
  const task = created.json.results.task_id;
  for (;;) {
    const { json } = await t.request(`/api/tasks/${task}`);
    if (json.status === 'SUCCESS') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const rows = await logged();
  expect(rows.map((r) => [r.path, r.distinct_ids, r.device_ids, r.redacted])).toEqual([
    ['/track', ['bob'], ['d-bob'], 3], // ada, $device:d-9, d-9
    ['/track', [], [], 2],
    ['/api/app/data-deletions/v3.0', [], [], 1],
  ]);
  expect(await view('?distinct_id=ada')).toEqual([]);
});

test('a database file from an older collector gains the new request columns and keeps its rows', () => {
  const file = `${t.dir}/old.db`;
  const old = new Database(file);
  old.exec(`CREATE TABLE requests (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    query TEXT NOT NULL, status INTEGER NOT NULL, items INTEGER NOT NULL, bytes INTEGER NOT NULL, origin TEXT, error TEXT);
    INSERT INTO requests (at, method, path, query, status, items, bytes) VALUES (1, 'POST', '/track', '', 200, 3, 99);`);
  old.close();
  const store = openStore(file);
  try {
    store.logRequest({ at: 2, method: 'POST', path: '/engage', query: '', status: 200, items: 1, bytes: 9, origin: null, error: null, distinctIds: ['u'] });
    expect(store.requests({}).map((r) => [r.path, r.items, r.received, r.distinct_ids, r.duplicates])).toEqual([
      ['/track', 3, null, [], 0],
      ['/engage', 1, null, ['u'], 0],
    ]);
  } finally {
    store.close();
  }
});
