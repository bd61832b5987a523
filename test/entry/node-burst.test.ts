import { startCollector, type Collector } from '../../collector/src/index';
import { createHeed } from '../../src/entry/node';

// A burst larger than `max_queued_events` on a healthy connection: nothing is dropped. The cap
// bounds what piles up while delivery fails, not a loop of track() calls (a bug the Node
// benchmark found: 10,000 of 20,000 events were dropped).
let collector: Collector;
beforeAll(async () => {
  collector = await startCollector();
});
afterAll(() => collector.close());

test('20,000 events tracked in one loop are all delivered once, in requests of 1000', async () => {
  const heed = createHeed();
  heed.init('burstTok', { api_host: collector.url, max_queued_events: 10_000 });
  let failed = 0;
  for (let i = 0; i < 20_000; i++) heed.track('burst', { i, distinct_id: `user-${i % 7}` }, (r) => (failed += r ? 0 : 1));
  await heed.flush();
  const count = collector.db.prepare(`SELECT count(*) AS n, count(DISTINCT insert_id) AS u FROM events WHERE token = 'burstTok'`).get() as {
    n: number;
    u: number;
  };
  expect(count).toEqual({ n: 20_000, u: 20_000 });
  expect(failed).toBe(0);
  const requests = collector.db.prepare(`SELECT items FROM requests WHERE path LIKE '/track%' AND method = 'POST'`).all() as { items: number }[];
  expect(requests.every((r) => r.items <= 1000)).toBe(true);
  expect(requests).toHaveLength(20);
});
