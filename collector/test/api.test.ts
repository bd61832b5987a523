import { TOKEN, count, event, events, startTestCollector, type TestCollector } from './helpers';

let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

describe('GET /api/events', () => {
  beforeEach(async () => {
    await t.post('/track', [
      event('Page View', { distinct_id: 'alice' }),
      event('Signed Up', { distinct_id: 'alice' }),
      event('Page View', { distinct_id: 'bob' }),
      { event: 'Anonymous', properties: { token: 'other-token' } },
    ]);
  });

  test('returns every event in id order with parsed properties', async () => {
    const rows = await events(t);
    expect(rows.map((e) => [e.event, e.distinct_id])).toEqual([
      ['Page View', 'alice'],
      ['Signed Up', 'alice'],
      ['Page View', 'bob'],
      ['Anonymous', null],
    ]);
    expect(rows[0]).toEqual({
      id: expect.any(Number),
      token: TOKEN,
      event: 'Page View',
      distinct_id: 'alice',
      insert_id: expect.stringMatching(/^ins-/),
      time: 1_790_000_000,
      properties: expect.objectContaining({ token: TOKEN, distinct_id: 'alice' }),
      ip: null,
      received_at: expect.any(Number),
    });
    expect(Math.abs(rows[0].received_at - Date.now())).toBeLessThan(60_000);
  });

  test('filters by distinct_id, event and token, combined', async () => {
    expect((await events(t, '?distinct_id=alice')).map((e) => e.event)).toEqual(['Page View', 'Signed Up']);
    expect((await events(t, '?event=Page%20View')).map((e) => e.distinct_id)).toEqual(['alice', 'bob']);
    expect((await events(t, '?event=Page%20View&distinct_id=bob')).map((e) => e.distinct_id)).toEqual(['bob']);
    expect((await events(t, '?token=other-token')).map((e) => e.event)).toEqual(['Anonymous']);
    expect(await events(t, '?distinct_id=nobody')).toEqual([]);
  });

  test('since is an event id: only later events; limit caps the answer', async () => {
    const all = await events(t);
    const later = await events(t, `?since=${all[1].id}`);
    expect(later.map((e) => e.id)).toEqual([all[2].id, all[3].id]);
    expect((await events(t, `?since=${all[3].id}`)).length).toBe(0);
    expect((await events(t, '?limit=2')).map((e) => e.id)).toEqual([all[0].id, all[1].id]);
  });

  test('ids keep growing across /api/reset, so a poller never misses rows', async () => {
    const before = await events(t);
    await t.reset();
    await t.post('/track', [event('after')]);
    const [after] = await events(t, `?since=${before[3].id}`);
    expect(after.event).toBe('after');
  });

  test('a non-numeric since or limit is a 400', async () => {
    const reply = await t.request('/api/events?since=yesterday');
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ status: 0, error: 'since must be a non-negative integer' });
  });
});

test('GET /api/requests filters by path (either spelling) and method', async () => {
  await t.post('/track/', [event()]);
  await t.post('/track', [event()]);
  await t.post('/engage', []);
  await t.request('/track', { method: 'OPTIONS' });
  expect((await t.request('/api/requests?path=/track')).json.requests.map((r: any) => r.path)).toEqual(['/track/', '/track', '/track']);
  expect((await t.request('/api/requests?path=/track/&method=post')).json.requests.length).toBe(2);
  expect((await t.request('/api/requests?path=/engage')).json.requests).toEqual([
    {
      id: expect.any(Number),
      at: expect.any(Number),
      method: 'POST',
      path: '/engage',
      query: '',
      status: 400,
      items: 0,
      received: 0,
      bytes: 2,
      encoding: 'raw',
      origin: null,
      error: 'payload is an empty array: send at least one item',
      distinct_ids: [],
      device_ids: [],
      duplicates: 0,
      duplicate_ids: [],
      redacted: 0,
    },
  ]);
});

test('POST /api/reset empties every table', async () => {
  await t.post('/track', [event()]);
  await t.post('/engage', [{ $token: TOKEN, $distinct_id: 'u', $set: { a: 1 } }]);
  await t.post('/groups', [{ $token: TOKEN, $group_key: 'k', $group_id: 'g', $set: { a: 1 } }]);
  const reply = await t.request('/api/reset', { method: 'POST' });
  expect(reply.json).toEqual({ status: 1, error: null });
  for (const table of ['events', 'profiles', 'groups', 'requests'] as const) expect(count(t, table)).toBe(0);
});

test('unknown routes are 404 JSON, wrong methods 405 JSON with Allow', async () => {
  const missing = await t.request('/api/nothing');
  expect(missing.status).toBe(404);
  expect(missing.json).toEqual({ status: 0, error: 'no route for GET /api/nothing' });
  const wrong = await t.request('/api/events', { method: 'POST' });
  expect(wrong.status).toBe(405);
  expect(wrong.json.error).toBe('POST not allowed on /api/events (allowed: GET)');
  expect(wrong.headers.allow).toBe('GET');
  expect((await t.request('/api/reset')).status).toBe(405);
  expect((await t.request('/track', { method: 'DELETE' })).status).toBe(405);
  expect((await t.request('/api/profiles/%E0%A4%A')).status).toBe(400);
});
