/**
 * The inspector's data routes: one person's timeline (consent changes, events, profile updates,
 * GDPR tasks; refusals and what arrived during them), the event-rate chart's buckets, filters,
 * and GDPR tasks that say whose data they are for and what they did.
 */
import { eventRate } from '../src/event-rate.js';
import { TOKEN, event, startTestCollector, type TestCollector } from './helpers.js';

const GDPR = { authorization: 'Bearer insp-gdpr' };
let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector({ gdprToken: 'insp-gdpr', gdprStepMs: 10, gdprMinIntervalMs: 0 });
});
afterAll(() => t.close());
beforeEach(() => t.reset());

const timeline = async (id: string, extra = '') => {
  const reply = await t.request(`/api/inspector/timeline?distinct_id=${encodeURIComponent(id)}${extra}`);
  expect(reply.status).toBe(200);
  return reply.json;
};
const tick = () => new Promise((r) => setTimeout(r, 3)); // arrival times that differ
const track = async (...items: unknown[]) => {
  expect((await t.post('/track', items)).status).toBe(200);
  await tick();
};
const engage = async (...items: unknown[]) => {
  expect((await t.post('/engage', items)).status).toBe(200);
  await tick();
};
const ada = (props: Record<string, unknown> = {}) => ({ distinct_id: 'ada', $device_id: 'd-1', $user_id: 'ada', ...props });
async function finished(kind: 'deletion' | 'retrieval', ids: string[], token = TOKEN): Promise<any> {
  const path = kind === 'deletion' ? 'data-deletions' : 'data-retrievals';
  const created = await t.post(`/api/app/${path}/v3.0?token=${token}`, { distinct_ids: ids }, GDPR);
  expect(created.status).toBe(201);
  for (;;) {
    const { json } = await t.request(`/api/tasks/${created.json.results.task_id}`);
    if (json.status === 'SUCCESS') return json;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('person timeline', () => {
  test('one axis: the device before sign-in, consent changes, events, profile updates, in arrival order', async () => {
    await track(event('Viewed', { distinct_id: '$device:d-1', $device_id: 'd-1' }));
    await track(event('$opt_in', ada({ $consent: { purposes: ['analytics'] } })));
    await engage({ $token: TOKEN, $distinct_id: 'ada', $set: { plan: 'pro' } });
    await engage({ $token: TOKEN, $distinct_id: 'ada', $device_id: 'd-1', $user_id: 'ada', $delete: '' });
    await track(event('Elsewhere', { distinct_id: 'bob', $device_id: 'd-2' }));
    const line = await timeline('ada');
    expect(line.person).toEqual({ asked: ['ada'], devices: ['d-1'], ids: ['ada', '$device:d-1', 'd-1'] });
    expect(line.entries.map((e: any) => [e.kind, e.title, e.distinct_id])).toEqual([
      ['event', 'Viewed', '$device:d-1'],
      ['consent', 'opt-in ($opt_in)', 'ada'],
      ['profile', 'profile $set plan', 'ada'],
      ['consent', 'opt-out: profile $delete', 'ada'],
    ]);
    // The consent record travels as $opt_in's properties: all of them are in the detail.
    expect(line.entries[1].detail.properties.$consent).toEqual({ purposes: ['analytics'] });
    expect(line.entries[1].time).toBe(1_790_000_000_000); // the device's clock, in ms
    const ats = line.entries.map((e: any) => e.at);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
  });

  test('a refusal: nothing after it is counted as nothing; an arrival while refused is counted', async () => {
    await track(event('$opt_in', ada()));
    await engage({ $token: TOKEN, $distinct_id: 'ada', $delete: '' });
    let line = await timeline('ada');
    expect(line.refusals).toEqual([{ at: line.entries[1].at, until: null, arrivals: 0 }]);

    await track(event('Leaked', ada()));
    await track(event('$opt_in', ada()));
    await track(event('After', ada()));
    line = await timeline('ada');
    const optIn = line.entries.filter((e: any) => e.consent === 'opt-in')[1];
    expect(line.refusals).toEqual([{ at: line.entries[1].at, until: optIn.at, arrivals: 1 }]);
  });

  test('what arrives in one request with an opt-in comes after it; GDPR tasks show whose data and the outcome', async () => {
    await engage({ $token: TOKEN, $distinct_id: 'ada', $delete: '' });
    await track(event('$identify', { distinct_id: 'ada', $anon_distinct_id: '$device:d-7', $device_id: 'd-7', $user_id: 'ada' }), event('$opt_in', ada({ $device_id: 'd-7' })));
    let line = await timeline('ada');
    expect(line.entries.map((e: any) => e.title)).toEqual(['opt-out: profile $delete', 'opt-in ($opt_in)', '$identify']);
    expect(line.refusals[0].arrivals).toBe(0);
    expect(line.person.devices).toEqual(['d-7']);

    await finished('retrieval', ['ada']);
    await finished('deletion', ['ada']);
    line = await timeline('ada');
    expect(line.entries.map((e: any) => [e.kind, e.title])).toEqual([
      ['gdpr', 'retrieval requested (GDPR)'],
      ['gdpr', 'retrieval SUCCESS'],
      ['gdpr', 'deletion requested (GDPR)'],
      ['gdpr', 'deletion SUCCESS'],
    ]);
    expect(line.entries[3].detail).toMatchObject({ distinct_ids: ['ada'], deleted_events: 2, deleted_profiles: 0 });
  });

  test('per project token when asked; a distinct_id is required', async () => {
    await track(event('A', ada()), event('B', { ...ada(), token: 'other' }));
    expect((await timeline('ada')).entries.map((e: any) => e.token)).toEqual([TOKEN, 'other']);
    expect((await timeline('ada', '&token=other')).entries.map((e: any) => e.title)).toEqual(['B']);
    expect((await t.request('/api/inspector/timeline')).status).toBe(400);
  });
});

describe('GDPR tasks in the inspector', () => {
  test('a deletion that matched nothing says so, naming the tokens that hold the person\'s events', async () => {
    await track(event('E', { ...ada(), token: 'script-tag-example' }));
    const task = await finished('deletion', ['ada'], 'heed-example');
    expect(task.note).toBe(
      "matched nothing: no events or profile for these distinct_ids under project token 'heed-example'; " +
        "they have events under other tokens (1 under 'script-tag-example'): deletions apply per project token",
    );
    const [listed] = (await t.request('/api/inspector')).json.tasks;
    expect(listed).toMatchObject({ kind: 'deletion', distinct_ids: ['ada'], token: 'heed-example', note: task.note, url: null });
    expect((await finished('deletion', ['nobody'])).note).toBe("matched nothing: no events or profile for these distinct_ids under project token 'test-project-token'");
    expect((await finished('deletion', ['ada'], 'script-tag-example')).note).toBeNull();
  });

  test('an export shows its download link, on the inspector\'s own origin', async () => {
    await track(event('E', ada()));
    await finished('retrieval', ['ada']);
    const [listed] = (await t.request('/api/inspector')).json.tasks;
    expect(listed.url).toMatch(/^\/api\/app\/exports\/[0-9a-f-]{36}\.json$/);
    const file = await t.request(listed.url);
    expect(file.json.events.map((e: any) => e.event)).toEqual(['E']);
  });
});

describe('event rate and filters', () => {
  test('events per minute by name over the last hour, the current minute last, filtered like the list', async () => {
    await track(event('Clicked', { distinct_id: 'ada' }), event('Clicked', { distinct_id: 'ada' }), event('Viewed', { distinct_id: 'bob' }));
    const { rate } = (await t.request('/api/inspector')).json;
    expect(rate.minutes).toBe(60);
    expect(Date.now() - rate.from).toBeGreaterThanOrEqual(59 * 60_000);
    expect(Date.now() - rate.from).toBeLessThan(60 * 60_000);
    expect(rate.series.map((s: any) => [s.event, s.total, s.counts[59]])).toEqual([
      ['Clicked', 2, 2],
      ['Viewed', 1, 1],
    ]);
    const filtered = (await t.request('/api/inspector?distinct_id=AD')).json;
    expect(filtered.rate.series.map((s: any) => s.event)).toEqual(['Clicked']);
    expect(filtered.events.map((e: any) => e.distinct_id)).toEqual(['ada', 'ada']); // substring, as for event names
  });

  test('older than an hour is left out; beyond eight names the rest is "other"', () => {
    const db = t.collector.db;
    const now = Date.UTC(2030, 0, 1, 12, 30, 15);
    const insert = db.prepare("INSERT INTO events (token, event, distinct_id, properties, received_at) VALUES ('t', ?, 'x', '{}', ?)");
    insert.run('Old', now - 60 * 60_000);
    for (let i = 0; i < 10; i++) for (let n = 0; n <= i; n++) insert.run(`E${i}`, now - i * 60_000);
    const rate = eventRate(db, { distinct: '', event: '' }, now);
    expect(rate.from).toBe(Date.UTC(2030, 0, 1, 11, 31));
    expect(rate.series.map((s) => s.event)).toEqual(['E9', 'E8', 'E7', 'E6', 'E5', 'E4', 'E3', 'other']);
    const other = rate.series[7]!;
    expect(other.total).toBe(1 + 2 + 3);
    expect([other.counts[59], other.counts[58], other.counts[57]]).toEqual([1, 2, 3]);
    expect(rate.series[0]!.counts[50]).toBe(10);
  });
});
