import { createOutbox } from '../../src/outbox';
import { HeedError } from '../../src/errors';

/**
 * After a long outage (backoff past 30 s) the outbox probes with one item at most every 30 s, and
 * sends the backlog at once when a probe gets through: recovery within 30 s, without a request per
 * batch to a server that is still down. Run on fake timers (the clock and setTimeout) with a
 * scripted server.
 */
beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

test('down for 5 minutes: probes of one item, spaced 15-30 s; back up: everything within 30 s', async () => {
  jest.spyOn(Math, 'random').mockReturnValue(1 - Number.EPSILON); // the longest backoff every time
  let down = true;
  const sent: Array<{ at: number; items: number; ok: boolean }> = [];
  const o = createOutbox({
    send: async (_e, payloads) => {
      sent.push({ at: Date.now(), items: payloads.length, ok: !down });
      if (down) throw new HeedError('track: HTTP 503', 503);
    },
    warn: () => undefined,
  });
  o.configure(50, 1000, 10000, 90000);
  for (let i = 0; i < 120; i++) o.add('track', { event: 'e', properties: { i } });
  const start = Date.now();
  await jest.advanceTimersByTimeAsync(5 * 60_000);
  const during = sent.slice();
  down = false;
  const back = Date.now();
  await jest.advanceTimersByTimeAsync(31_000);

  const probes = during.filter((s) => s.at - start > 32_000);
  expect(probes.length).toBeGreaterThan(5);
  expect(probes.every((s) => s.items === 1)).toBe(true);
  const gaps = probes.slice(1).map((s, k) => s.at - probes[k].at);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15_000);
  expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
  const delivered = sent.filter((s) => s.ok);
  expect(delivered.reduce((n, s) => n + s.items, 0)).toBe(120);
  expect(Math.max(...delivered.map((s) => s.at)) - back).toBeLessThanOrEqual(30_000);
  await o.clear(false);
});

test('a Retry-After still wins over the probe: the server said when', async () => {
  let answers = 0;
  const sent: number[] = [];
  const o = createOutbox({
    send: async () => {
      sent.push(Date.now());
      if (answers++ < 1) throw Object.assign(new HeedError('track: HTTP 429', 429), { retryAfter: 120_000 });
    },
    warn: () => undefined,
  });
  o.configure(50, 1000, 10000, 90000);
  o.add('track', { event: 'e', properties: {} });
  await jest.advanceTimersByTimeAsync(200_000);
  expect(sent).toHaveLength(2);
  expect(sent[1] - sent[0]).toBeGreaterThanOrEqual(120_000);
  await o.clear(false);
});
