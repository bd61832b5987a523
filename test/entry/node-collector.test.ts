import { startCollector, type Collector } from '../../collector/src/index';
import { createHeed } from '../../src/entry/node';

// Integration: the Node entry against the real collector (SQLite in memory).
const TOKEN = 'collectorTok';

let collector: Collector;
beforeEach(async () => {
  collector = await startCollector();
});
afterEach(async () => {
  await collector.close();
});

const get = async (path: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(collector.url + path);
  return { status: res.status, body: await res.json() };
};

describe('Node entry → collector', () => {
  it('await flush() delivers 500 events in batches of 50, each stored once with its distinct_id', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: collector.url, batch_size: 50, batch_flush_interval_ms: 60_000 });
    const results: unknown[] = [];
    for (let i = 0; i < 250; i++) heed.track('step', { i }, (r) => results.push(r));
    const anonymous = heed.get_distinct_id()!;
    heed.identify('user-42');
    for (let i = 250; i < 499; i++) heed.track('step', { i }, (r) => results.push(r));
    await heed.flush();

    // 250 + $identify + 249 = 500 events.
    const all = (await get(`/api/events?token=${TOKEN}`)).body.events as any[];
    expect(all).toHaveLength(500);
    expect(new Set(all.map((e) => e.insert_id)).size).toBe(500);
    const steps = all.filter((e) => e.event === 'step');
    expect(steps.map((e) => e.properties.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 499 }, (_, i) => i));
    expect(steps.filter((e) => e.distinct_id === anonymous)).toHaveLength(250);
    expect(steps.filter((e) => e.distinct_id === 'user-42')).toHaveLength(249);
    expect(results).toEqual(new Array(499).fill(1));

    // The read API filters by distinct_id and event.
    const identified = (await get('/api/events?distinct_id=user-42&event=step')).body.events;
    expect(identified).toHaveLength(249);
    expect((await get('/api/events?distinct_id=user-42&event=$identify')).body.events[0].properties.$anon_distinct_id).toBe(
      anonymous,
    );

    const requests = (await get('/api/requests?path=/track')).body.requests as any[];
    expect(requests).toHaveLength(10);
    expect(requests.every((r) => r.status === 200 && r.items === 50)).toBe(true);
  });

  it('profile updates build the profile; opt_out_tracking deletes it', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: collector.url });
    heed.identify('user-7');
    heed.people.set({ name: 'Ada', plan: 'free' });
    heed.people.set_once({ plan: 'pro', first: 'x' });
    heed.people.increment('logins', 2);
    heed.people.union('tags', ['a', 'b']);
    heed.people.remove('tags', 'a');
    await heed.flush();
    const profile = await get('/api/profiles/user-7');
    expect(profile.status).toBe(200);
    expect(profile.body.properties).toMatchObject({ name: 'Ada', plan: 'free', first: 'x', logins: 2, tags: ['b'] });

    heed.opt_out_tracking();
    // The deletion is sent directly, outside the outbox: poll for its effect.
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status !== 404 && Date.now() < deadline) {
      status = (await get('/api/profiles/user-7')).status;
      if (status !== 404) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(404);
    const engage = (await get('/api/requests?path=/engage')).body.requests as any[];
    expect(engage.every((r) => r.status === 200)).toBe(true);
  });

  it('sends nothing at all while DO_NOT_TRACK=1', async () => {
    const saved = process.env.DO_NOT_TRACK;
    process.env.DO_NOT_TRACK = '1';
    try {
      const heed = createHeed();
      heed.init(TOKEN, { api_host: collector.url, batch_size: 1 });
      for (let i = 0; i < 10; i++) heed.track('x');
      heed.identify('u');
      heed.people.set('a', 1);
      heed.opt_out_tracking();
      await heed.flush();
      await new Promise((r) => setTimeout(r, 100));
      expect((await get('/api/requests')).body.requests.filter((r: any) => !r.path.startsWith('/api/'))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.DO_NOT_TRACK;
      else process.env.DO_NOT_TRACK = saved;
    }
  });
});
