import http from 'node:http';
import zlib from 'node:zlib';
import { FORM, count, event, events, form, startTestCollector, type TestCollector } from './helpers';

const until = async (check: () => Promise<boolean>, timeoutMs = 5000) => {
  for (const end = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

const setFault = (fault: unknown) => t.post('/api/faults', fault);
const track = (name = 'e', headers: Record<string, string> = FORM) => t.post('/track/?verbose=1', form([event(name)]), headers);
const requests = async () => (await t.request('/api/requests?path=/track')).json.requests as Array<Record<string, any>>;

/** One request on its own connection (no agent): resolves with the status, or the error's code. */
function raw(path: string, body: string, timeoutMs = 2000): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request(`${t.collector.url}${path}`, { method: 'POST', agent: false, headers: FORM, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end(body);
  });
}

describe('POST /api/faults validates the fault', () => {
  test.each([
    [{ mode: '503' }, /mode must be one of/],
    [{ mode: '413' }, /needs maxBytes/],
    [{ mode: '500', count: 0 }, /count must be an integer ≥ 1/],
    [{ mode: '500', count: 1.5 }, /count must be an integer/],
    [{ mode: 'hang', retryAfter: 1 }, /retryAfter applies/],
    [{ mode: '500', maxBytes: 10 }, /maxBytes applies/],
    [{ mode: '500', when: 'now' }, /unknown field 'when'/],
    [{ mode: 'slow' }, /needs delayMs/],
    [{ mode: 'slow', delayMs: 0 }, /delayMs must be an integer ≥ 1/],
    [{ mode: '500', delayMs: 10 }, /delayMs applies to mode "slow" only/],
    [{ mode: '500', flapMs: -1 }, /flapMs must be an integer ≥ 1/],
    [[{ mode: '500' }], /JSON object/],
    ['not json', /body must be JSON/],
  ])('%j → 400', async (fault, message) => {
    const reply = await setFault(fault);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(message);
    expect((await t.request('/api/faults')).json).toEqual({ fault: null });
  });

  test('GET shows the active fault and what is left of its count; DELETE clears it', async () => {
    expect((await setFault({ mode: '429', count: 2, retryAfter: 3 })).status).toBe(200);
    expect((await t.request('/api/faults')).json).toEqual({ fault: { mode: '429', count: 2, retryAfter: 3 } });
    await track();
    expect((await t.request('/api/faults')).json.fault.count).toBe(1);
    expect((await t.request('/api/faults', { method: 'DELETE' })).status).toBe(200);
    expect((await t.request('/api/faults')).json).toEqual({ fault: null });
    expect((await track()).status).toBe(200);
  });
});

describe('fault modes', () => {
  test('"500" answers the next `count` ingestion requests with 500, stores nothing, logs them', async () => {
    await setFault({ mode: '500', count: 2 });
    const first = await track('a');
    expect(first.status).toBe(500);
    expect(first.json).toEqual({ status: 0, error: 'fault injected: HTTP 500' });
    expect(first.headers['retry-after']).toBeUndefined();
    expect((await t.post('/engage', form([{ $token: 'tok', $distinct_id: 'u', $set: { a: 1 } }]), FORM)).status).toBe(500);
    expect((await track('b')).status).toBe(200);
    expect((await events(t)).map((e) => e.event)).toEqual(['b']);
    expect(count(t, 'profiles')).toBe(0);
    const rows = await requests();
    expect(rows.map((r) => [r.status, r.items])).toEqual([
      [500, 0],
      [200, 1],
    ]);
    expect(rows[0]!.bytes).toBeGreaterThan(0);
    expect(rows[0]!.error).toBe('fault injected: HTTP 500');
  });

  test('without a count the fault lasts until cleared; the read API is never faulted', async () => {
    await setFault({ mode: '500' });
    for (let i = 0; i < 5; i++) expect((await track()).status).toBe(500);
    expect((await t.request('/api/events')).status).toBe(200);
    expect((await t.request('/api/requests')).status).toBe(200);
    await t.request('/api/faults', { method: 'DELETE' });
    expect((await track()).status).toBe(200);
  });

  test('"429" sends Retry-After in seconds', async () => {
    await setFault({ mode: '429', count: 1, retryAfter: 3 });
    const reply = await track();
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('3');
    expect((await track()).status).toBe(200);
    expect(await events(t)).toHaveLength(1);
  });

  test('a page on another origin may read Retry-After (Access-Control-Expose-Headers)', async () => {
    await setFault({ mode: '500', count: 1, retryAfter: 2 });
    const reply = await t.post('/track', form([event()]), { ...FORM, origin: 'http://127.0.0.1:9' });
    expect(reply.status).toBe(500);
    expect(reply.headers['retry-after']).toBe('2');
    expect(reply.headers['access-control-expose-headers']).toMatch(/\bRetry-After\b/i);
    expect((await track()).status).toBe(200);
    expect(await events(t)).toHaveLength(1);
  });

  test('"413" refuses only bodies above maxBytes, counted after decoding; small ones pass and keep the count', async () => {
    // Padding as lists of 250-character strings: within Mixpanel's per-event limits.
    const small = form([event('small', { pad: Array(12).fill('y'.repeat(250)) })]);
    const big = form(Array.from({ length: 40 }, () => event('big', { pad: Array(4).fill('x'.repeat(250)) })));
    await setFault({ mode: '413', count: 2, maxBytes: small.length + 10 });
    expect((await t.post('/track', small, FORM)).status).toBe(200);
    const refused = await t.post('/track', big, FORM);
    expect(refused.status).toBe(413);
    expect(refused.json.error).toMatch(/exceeds max limit/);
    // gzip makes the repetitive body tiny on the wire; the limit is on what it decodes to.
    const gzipped = zlib.gzipSync(big);
    expect(gzipped.length).toBeLessThan(small.length);
    expect((await t.post('/track', gzipped, { ...FORM, 'content-encoding': 'gzip' })).status).toBe(413);
    expect((await t.post('/track', big, FORM)).status).toBe(200); // the count is used up
    expect((await events(t)).map((e) => e.event)).toEqual(['small', ...new Array(40).fill('big')]);
    expect((await requests()).map((r) => r.status)).toEqual([200, 413, 413, 200]);
  });

  test('"hang" never answers, stores nothing, and is logged; DELETE /api/faults ends the hanging request', async () => {
    await setFault({ mode: 'hang', count: 1 });
    const body = form([event('hung')]);
    expect(await raw('/track', body, 300)).toBe('timeout');
    const hanging = raw('/track', form([event('second')]), 5000); // count used up: answered
    expect(await hanging).toBe(200);
    await setFault({ mode: 'hang' });
    const pending = raw('/track', body, 5000);
    await new Promise((r) => setTimeout(r, 100));
    await t.request('/api/faults', { method: 'DELETE' });
    expect(await pending).toBe('ECONNRESET');
    expect((await events(t)).map((e) => e.event)).toEqual(['second']);
    const rows = await requests();
    expect(rows.map((r) => [r.status, r.error])).toEqual([
      [0, 'fault injected: hang'],
      [200, null],
      [0, 'fault injected: hang'],
    ]);
    expect(rows[0]!.bytes).toBe(body.length);
  });

  test('"reset" resets the connection without an answer', async () => {
    await setFault({ mode: 'reset', count: 1 });
    expect(await raw('/groups', form([{ $token: 'tok', $group_key: 'k', $group_id: 'g', $set: { a: 1 } }]))).toBe('ECONNRESET');
    expect(await raw('/groups', form([{ $token: 'tok', $group_key: 'k', $group_id: 'g', $set: { a: 1 } }]))).toBe(200);
    expect(count(t, 'groups')).toBe(1);
    const rows = (await t.request('/api/requests?path=/groups')).json.requests;
    expect(rows.map((r: Record<string, unknown>) => [r.status, r.error])).toEqual([
      [0, 'fault injected: reset'],
      [200, null],
    ]);
  });

  test('concurrent requests use up exactly `count`', async () => {
    await setFault({ mode: '500', count: 3 });
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => raw('/track', form([event(`c${i}`)]))));
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(await events(t)).toHaveLength(7);
  });

  test('POST /api/reset clears the fault too', async () => {
    await setFault({ mode: '500' });
    await t.reset();
    expect((await t.request('/api/faults')).json).toEqual({ fault: null });
    expect((await track()).status).toBe(200);
  });

  test('a new fault replaces the active one', async () => {
    await setFault({ mode: '500', count: 5 });
    await setFault({ mode: '429', count: 1 });
    expect((await track()).status).toBe(429);
    expect((await track()).status).toBe(200);
  });

  test('"502" answers an HTML page with 502, as a proxy in front of a dead server; nothing stored', async () => {
    await setFault({ mode: '502', count: 1 });
    const reply = await track('a');
    expect(reply.status).toBe(502);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/502 Bad Gateway/);
    expect((await track('b')).status).toBe(200);
    expect((await events(t)).map((e) => e.event)).toEqual(['b']);
    expect((await requests()).map((r) => [r.status, r.items, r.error])).toEqual([
      [502, 0, 'fault injected: HTML 502'],
      [200, 1, null],
    ]);
  });

  test('"junk" answers 200 with an HTML page (a captive portal): nothing stored, the row says so', async () => {
    await setFault({ mode: 'junk', count: 2 });
    const reply = await track('lost');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(() => JSON.parse(reply.text)).toThrow();
    expect((await t.post('/engage?verbose=1', form([{ $token: 'tok', $distinct_id: 'u', $set: { a: 1 } }]), FORM)).status).toBe(200);
    expect(await events(t)).toEqual([]);
    expect(count(t, 'profiles')).toBe(0);
    expect((await requests()).map((r) => [r.status, r.items, r.error])).toEqual([[200, 0, 'fault injected: junk 200, nothing stored']]);
    expect((await track('kept')).json).toEqual({ status: 1, error: null });
  });

  test('"slow" stores at once and answers after delayMs; a client that gave up never hears, but its batch is stored', async () => {
    await setFault({ mode: 'slow', delayMs: 1500, count: 2 });
    const started = Date.now();
    expect(await raw('/track?verbose=1', form([event('gave-up')]), 300)).toBe('timeout');
    expect((await events(t)).map((e) => e.event)).toEqual(['gave-up']);
    const waited = await raw('/track?verbose=1', form([event('waited')]), 5000);
    expect(waited).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect((await track('fast')).status).toBe(200); // count used up
  });

  test('DELETE /api/faults sends the answers a "slow" fault still holds, at once', async () => {
    await setFault({ mode: 'slow', delayMs: 60_000 });
    const pending = raw('/track', form([event('held')]), 10_000);
    await until(async () => (await events(t)).length === 1);
    const cleared = Date.now();
    await t.request('/api/faults', { method: 'DELETE' });
    expect(await pending).toBe(200);
    expect(Date.now() - cleared).toBeLessThan(2000);
  });

  test('flapMs: the fault is on, off, on again in windows counted from when it was set', async () => {
    await setFault({ mode: '500', flapMs: 1000 });
    const set = Date.now();
    const at = async (ms: number) => {
      await new Promise((r) => setTimeout(r, Math.max(0, set + ms - Date.now())));
      return (await track()).status;
    };
    // 300 ms into each window: far from its edges on a loaded machine.
    expect([await at(300), await at(1300), await at(2300)]).toEqual([500, 200, 500]);
    expect((await t.request('/api/faults')).json.fault).toEqual({ mode: '500', flapMs: 1000 });
  });
});
