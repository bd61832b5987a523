/**
 * The privacy client against a real local HTTP server that plays Mixpanel's GDPR API with
 * scripted answers: what goes on the wire, both documented answer shapes, every status,
 * chunking, pacing, retries, typed errors and abort.
 */
import { isHeedError } from '../../src/errors';
import {
  createPrivacyClient,
  isPrivacyAuthError,
  isPrivacyRateLimitError,
  isPrivacyRequestError,
  PrivacyAuthError,
  PrivacyRateLimitError,
  PrivacyRequestError,
  type PrivacyClientOptions,
  type PrivacyTaskState,
} from '../../src/privacy';
import { parseRetryAfter, retryDelay } from '../../src/privacy/request';
import { created, deletionState, exportState, startFakeApi, type FakeApi } from './fake-api';
import { requestErrors, SPEC_STATUSES } from './gdpr-spec';

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi();
});
afterEach(async () => {
  await api.close();
});

/** Fast by default: no pacing, 5 ms backoff. Pacing tests set `interval` themselves. */
const client = (options: Partial<PrivacyClientOptions> = {}) =>
  createPrivacyClient({ token: 'project-token', oauthToken: 'secret-oauth', baseUrl: api.base, interval: 0, retry: { backoff: 5 }, ...options });

const ids = (n: number, prefix = 'user-') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('the request on the wire', () => {
  test('a deletion: POST JSON with Bearer, ?token=, uppercase compliance type, valid against the spec', async () => {
    api.script(created('t-1'));
    const tasks = await client().createDeletion({ distinctIds: ['alice', 'bob'], complianceType: 'CCPA' });
    expect(tasks).toEqual([{ kind: 'deletion', id: 't-1', distinctIds: ['alice', 'bob'], complianceType: 'CCPA' }]);
    const [req] = api.seen;
    expect(req).toMatchObject({ method: 'POST', path: '/api/app/data-deletions/v3.0' });
    expect(req!.query.get('token')).toBe('project-token');
    expect(req!.headers.authorization).toBe('Bearer secret-oauth');
    expect(req!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req!.body);
    expect(body).toEqual({ distinct_ids: ['alice', 'bob'], compliance_type: 'CCPA' });
    expect(requestErrors('/data-deletions/v3.0', body)).toEqual([]);
  });

  test('an export: GDPR by default, disclosure_type only when given, normalised casing', async () => {
    api.script(created('e-1'), created('e-2'));
    await client().createExport({ distinctIds: ['alice'] });
    // JavaScript callers may pass any casing: the wire gets the documented one.
    await client().createExport({ distinctIds: ['alice'], complianceType: 'ccpa' as 'CCPA', disclosureType: 'CATEGORIES' as 'Categories' });
    const bodies = api.seen.map((s) => JSON.parse(s.body));
    expect(api.seen.map((s) => s.path)).toEqual(['/api/app/data-retrievals/v3.0', '/api/app/data-retrievals/v3.0']);
    expect(bodies).toEqual([
      { distinct_ids: ['alice'], compliance_type: 'GDPR' },
      { distinct_ids: ['alice'], compliance_type: 'CCPA', disclosure_type: 'Categories' },
    ]);
    for (const body of bodies) expect(requestErrors('/data-retrievals/v3.0', body)).toEqual([]);
  });

  test('status and cancel paths carry the task id, URI-encoded', async () => {
    api.script(deletionState('PENDING', 'a/b'), exportState('PENDING'), { status: 204 });
    const c = client();
    await c.getDeletion('a/b');
    await c.getExport('x y');
    await c.cancelDeletion('42');
    expect(api.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /api/app/data-deletions/v3.0/a%2Fb',
      'GET /api/app/data-retrievals/v3.0/x%20y',
      'DELETE /api/app/data-deletions/v3.0/42',
    ]);
    expect(api.seen.every((s) => s.headers.authorization === 'Bearer secret-oauth' && s.query.get('token') === 'project-token')).toBe(true);
  });

  test('regions choose Mixpanel hosts; baseUrl wins', async () => {
    const urls: string[] = [];
    const fetch = async (input: RequestInfo | URL) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ status: 'ok', results: { task_id: '1' } }), { status: 201 });
    };
    for (const region of ['us', 'eu', 'in'] as const) {
      await createPrivacyClient({ token: 't', oauthToken: 'o', region, fetch, interval: 0 }).createDeletion({ distinctIds: ['a'] });
    }
    await createPrivacyClient({ token: 't', oauthToken: 'o', fetch, interval: 0 }).createDeletion({ distinctIds: ['a'] });
    await createPrivacyClient({ token: 't', oauthToken: 'o', region: 'eu', baseUrl: 'http://localhost:1/api/app/', fetch, interval: 0 }).createDeletion({ distinctIds: ['a'] });
    expect(urls).toEqual([
      'https://mixpanel.com/api/app/data-deletions/v3.0?token=t',
      'https://eu.mixpanel.com/api/app/data-deletions/v3.0?token=t',
      'https://in.mixpanel.com/api/app/data-deletions/v3.0?token=t',
      'https://mixpanel.com/api/app/data-deletions/v3.0?token=t',
      'http://localhost:1/api/app/data-deletions/v3.0?token=t',
    ]);
  });

  test('bad input is refused before anything is sent', async () => {
    const c = client();
    for (const request of [
      { distinctIds: [] },
      { distinctIds: ['ok', ''] },
      { distinctIds: ['ok', 7 as unknown as string] },
      { distinctIds: 'alice' as unknown as string[] },
      { distinctIds: ['a'], complianceType: 'HIPAA' as 'GDPR' },
    ]) {
      const error = await rejection(c.createDeletion(request));
      expect(error).toBeInstanceOf(PrivacyRequestError);
      expect(error.code).toBe('invalid_input');
    }
    expect((await rejection(c.createExport({ distinctIds: ['a'], disclosureType: 'Everything' as 'Data' }))).code).toBe('invalid_input');
    expect((await rejection(c.getDeletion(''))).code).toBe('invalid_input');
    expect(api.seen).toHaveLength(0);
  });

  test('configuration mistakes throw a HeedError at once', () => {
    expect(() => createPrivacyClient({ token: '', oauthToken: 'o' })).toThrow(/token/);
    expect(() => createPrivacyClient({ token: 't', oauthToken: '' })).toThrow(/oauthToken/);
    expect(() => createPrivacyClient({ token: 't', oauthToken: 'o', region: 'mars' as 'us' })).toThrow(/region/);
    expect(() => createPrivacyClient({ token: 't', oauthToken: 'o', limits: { deletion: 0 } })).toThrow(/limits.deletion/);
    try {
      createPrivacyClient({ token: 't', oauthToken: '' });
    } catch (error) {
      expect(isHeedError(error)).toBe(true);
      expect(String(error)).not.toMatch(/secret/);
    }
  });
});

describe('chunking', () => {
  test('4,500 deletion ids become 3 tasks of at most 1999, returned together, in order', async () => {
    api.otherwise(() => created(`t-${api.seen.length}`));
    const tasks = await client().createDeletion({ distinctIds: ids(4500) });
    expect(tasks.map((t) => [t.id, t.distinctIds.length])).toEqual([['t-1', 1999], ['t-2', 1999], ['t-3', 502]]);
    const sent = api.seen.map((s) => JSON.parse(s.body).distinct_ids as string[]);
    expect(sent.flat()).toEqual(ids(4500));
    expect(tasks.flatMap((t) => t.distinctIds)).toEqual(ids(4500));
  });

  test('exports split at 2000; limits are configurable; duplicates are dropped first', async () => {
    api.otherwise(() => created(`t-${api.seen.length}`));
    expect((await client().createExport({ distinctIds: ids(4500) })).map((t) => t.distinctIds.length)).toEqual([2000, 2000, 500]);
    api.seen.length = 0;
    // A project with two group keys: floor(2000 / 3) = 666 (wire reference §1.5).
    const c = client({ limits: { deletion: 666 } });
    expect((await c.createDeletion({ distinctIds: [...ids(1000), ...ids(1000)] })).map((t) => t.distinctIds.length)).toEqual([666, 334]);
  });

  test('a failure after some jobs were created hands those jobs over with the error', async () => {
    api.script(created('t-1'), { status: 400, body: { status: 'error', error: 'distinct_ids too long' } });
    const error = await rejection(client().createDeletion({ distinctIds: ids(3000) }));
    expect(error).toBeInstanceOf(PrivacyRequestError);
    expect(error).toMatchObject({ code: 'rejected', status: 400, serverMessage: 'distinct_ids too long' });
    expect(error.tasks.map((t: { id: string }) => t.id)).toEqual(['t-1']);
  });
});

describe('answers: both documented shapes, tolerant enums, typed failures', () => {
  test("create: the spec's {results:{task_id}} and the docs' [{tracking_id}] (numeric too)", async () => {
    api.script(
      created('spec-id'),
      {
        status: 200,
        body: {
          status: 'ok',
          results: [
            {
              status: 'PENDING', disclosure_type: 'DATA', date_requested: '2020-03-09T22:28:55.078315', tracking_id: '1583792934719392965',
              project_id: 1978118, compliance_type: 'ccpa', destination_url: null, requesting_user: 'x@example.com', distinct_id_count: 1,
            },
          ],
        },
      },
      { status: 201, body: { status: 'ok', results: [{ tracking_id: 1583792934 }] } },
    );
    const c = client();
    expect((await c.createDeletion({ distinctIds: ['a'] }))[0]!.id).toBe('spec-id');
    expect((await c.createExport({ distinctIds: ['a'] }))[0]!.id).toBe('1583792934719392965');
    expect((await c.createDeletion({ distinctIds: ['a'] }))[0]!.id).toBe('1583792934');
  });

  test.each([
    ['malformed JSON', { status: 201, raw: '{"status":"ok","results":{"task_id":' }],
    ['HTML', { status: 200, raw: '<html>maintenance</html>' }],
    ['no id at all', { status: 201, body: { status: 'ok', results: {} } }],
    ['an empty list', { status: 201, body: { status: 'ok', results: [] } }],
    ['a JSON string', { status: 201, body: 'ok' }],
    ['status error inside a 2xx', { status: 200, body: { status: 'error', error: 'nope' } }],
  ])('create: %s is a bad_response error, never an undefined id', async (_name, answer) => {
    api.script(answer as never);
    const error = await rejection(client().createDeletion({ distinctIds: ['a'] }));
    expect(isPrivacyRequestError(error)).toBe(true);
    expect(error.code).toBe('bad_response');
    expect(api.seen).toHaveLength(1); // a 2xx is never retried
  });

  test.each(SPEC_STATUSES)('deletion status %s: the full DeletionJobResult is read', async (status) => {
    api.script(deletionState(status, 'task-1', ['alice', 'bob']));
    const state = await client().getDeletion('task-1');
    expect(state).toEqual({
      kind: 'deletion',
      id: 'task-1',
      status,
      terminal: !['PENDING', 'STAGING', 'STARTED'].includes(status),
      distinctIds: ['alice', 'bob'],
      complianceType: 'GDPR',
      requestingUser: 'owner@example.com',
      projectId: 1978118,
      dateRequested: '2026-08-01T10:00:00',
    });
  });

  test.each(SPEC_STATUSES)('export status %s: link under the spec’s results and the docs’ result', async (status) => {
    const link = status === 'SUCCESS' ? 'https://files.example.com/export/1.json' : '';
    api.script(exportState(status, link), { status: 200, body: { status: 'ok', results: { status, result: link, distinct_ids: ['alice'] } } });
    const c = client();
    for (const state of [await c.getExport('e-1'), await c.getExport('e-1')]) {
      expect(state).toEqual({
        kind: 'export', id: 'e-1', status, terminal: !['PENDING', 'STAGING', 'STARTED'].includes(status), distinctIds: ['alice'],
        ...(link ? { url: link } : {}),
      });
    }
  });

  test('enums are read case-insensitively; a docs-style deletion status and an array record parse too', async () => {
    api.script(
      { status: 200, body: { status: 'ok', results: { status: 'success', result: '', distinct_ids: ['1'] } } },
      { status: 200, body: { status: 'OK', results: { status: 'Not_Found', compliance_type: 'ccpa', project_id: '1978118' } } },
      { status: 200, body: { status: 'ok', results: [{ status: 'staging', tracking_id: 't' }] } },
    );
    const c = client();
    expect(await c.getDeletion('t')).toMatchObject({ status: 'SUCCESS', terminal: true, distinctIds: ['1'] });
    expect(await c.getDeletion('t')).toEqual({ kind: 'deletion', id: 't', status: 'NOT_FOUND', terminal: true, complianceType: 'CCPA', projectId: 1978118 });
    expect(await c.getDeletion('t')).toMatchObject({ status: 'STAGING', terminal: false });
  });

  test("the spec's example link without a scheme gets https://; a path resolves against the API host", async () => {
    api.script(exportState('SUCCESS', 'linktoexportfile.com/9871287366712'), exportState('SUCCESS', '/exports/1.json'));
    const c = client();
    expect((await c.getExport('e')).url).toBe('https://linktoexportfile.com/9871287366712');
    expect((await c.getExport('e')).url).toBe(`${new URL(api.base).origin}/exports/1.json`);
  });

  test.each([
    ['an unknown status', { status: 200, body: { status: 'ok', results: { status: 'QUEUED' } } }],
    ['no status', { status: 200, body: { status: 'ok', results: { distinct_ids: [] } } }],
    ['no results', { status: 200, body: { status: 'ok' } }],
    ['malformed JSON', { status: 200, raw: '{"status":"ok",' }],
    ['an empty body', { status: 200, raw: '' }],
  ])('status: %s is a bad_response error', async (_name, answer) => {
    api.script(answer as never);
    const error = await rejection(client().getExport('e'));
    expect(error).toBeInstanceOf(PrivacyRequestError);
    expect(error.code).toBe('bad_response');
  });
});

describe('errors', () => {
  test.each([401, 403])('%i is a PrivacyAuthError with the server message, not retried', async (status) => {
    api.script({ status, body: { status: 'error', error: 'token expired' } });
    const error = await rejection(client().createDeletion({ distinctIds: ['a'] }));
    expect(error).toBeInstanceOf(PrivacyAuthError);
    expect(error).toMatchObject({ name: 'PrivacyAuthError', status, serverMessage: 'token expired' });
    expect(isHeedError(error)).toBe(true);
    expect(String(error.message)).not.toContain('secret-oauth');
    expect(api.seen).toHaveLength(1);
  });

  test('guards match by name too (another copy of heed, another realm)', () => {
    const foreign = { name: 'PrivacyRateLimitError', message: 'x' };
    expect(isPrivacyRateLimitError(foreign)).toBe(true);
    expect(isPrivacyAuthError(foreign)).toBe(false);
    expect(isHeedError(foreign)).toBe(true);
  });

  test('another 4xx is a rejected PrivacyRequestError with status and message (text bodies too)', async () => {
    api.script({ status: 400, raw: 'Bad Request: distinct_ids is required', headers: { 'content-type': 'text/plain' } });
    const error = await rejection(client().createDeletion({ distinctIds: ['a'] }));
    expect(error).toMatchObject({ name: 'PrivacyRequestError', code: 'rejected', status: 400, serverMessage: 'Bad Request: distinct_ids is required' });
  });

  test('cancel: 204 resolves; 405 is a typed "not cancellable"', async () => {
    api.script({ status: 204 }, { status: 405, body: { status: 'error', error: 'task already started' } });
    const c = client();
    await expect(c.cancelDeletion('t')).resolves.toBeUndefined();
    const error = await rejection(c.cancelDeletion('t'));
    expect(error).toMatchObject({ code: 'not_cancellable', status: 405, serverMessage: 'task already started' });
    expect(api.seen).toHaveLength(2);
  });
});

describe('retries', () => {
  test('429 is retried after its Retry-After, then succeeds', async () => {
    api.script({ status: 429, body: { status: 'error', error: 'rate limited' }, headers: { 'retry-after': '1' } }, created('t-1'));
    const started = Date.now();
    const [task] = await client().createDeletion({ distinctIds: ['a'] });
    expect(task!.id).toBe('t-1');
    expect(api.seen).toHaveLength(2);
    expect(api.seen[1]!.at - api.seen[0]!.at).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('429 with an HTTP-date Retry-After; still 429 after the limit → PrivacyRateLimitError', async () => {
    api.otherwise(() => ({ status: 429, body: { status: 'error', error: 'slow down' }, headers: { 'retry-after': new Date(Date.now() + 1500).toUTCString() } }));
    const error = await rejection(client({ retry: { limit: 1, backoff: 5 } }).getDeletion('t'));
    expect(error).toBeInstanceOf(PrivacyRateLimitError);
    expect(error).toMatchObject({ status: 429, serverMessage: 'slow down' });
    expect(error.retryAfter).toBeGreaterThan(0);
    expect(api.seen).toHaveLength(2);
  });

  test('a Retry-After longer than maxDelay ends the retries at once', async () => {
    api.otherwise(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const error = await rejection(client({ retry: { maxDelay: 2000 } }).getDeletion('t'));
    expect(error).toBeInstanceOf(PrivacyRateLimitError);
    expect(error.retryAfter).toBe(3600 * 1000);
    expect(api.seen).toHaveLength(1);
  });

  test('5xx is retried with doubling backoff, then succeeds', async () => {
    api.script({ status: 500 }, { status: 502, raw: 'bad gateway' }, { status: 503 }, deletionState('SUCCESS'));
    const state = await client({ retry: { backoff: 40 } }).getDeletion('task-1');
    expect(state.status).toBe('SUCCESS');
    const gaps = api.seen.slice(1).map((s, i) => s.at - api.seen[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(155);
  });

  test('5xx every time → a "server" PrivacyRequestError after limit + 1 attempts', async () => {
    api.otherwise(() => ({ status: 503, body: { error: 'maintenance' } }));
    const error = await rejection(client({ retry: { limit: 3, backoff: 1 } }).createExport({ distinctIds: ['a'] }));
    expect(error).toMatchObject({ code: 'server', status: 503, serverMessage: 'maintenance' });
    expect(api.seen).toHaveLength(4);
  });

  test('a dropped connection is retried; always dropped → "network" with the cause', async () => {
    api.script('hangup', deletionState('PENDING'));
    expect((await client().getDeletion('task-1')).status).toBe('PENDING');
    api.otherwise(() => 'hangup');
    const error = await rejection(client({ retry: { limit: 2, backoff: 1 } }).getDeletion('task-1'));
    expect(error).toMatchObject({ name: 'PrivacyRequestError', code: 'network' });
    expect(error.cause).toBeDefined();
  });

  test('onRetry is told of each retry before its wait: the attempt that failed, the wait, why', async () => {
    api.script({ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }, 'hangup', deletionState('SUCCESS'));
    const seen: [number, number, string][] = [];
    const state = await client({ retry: { backoff: 20 }, onRetry: (attempt, waitMs, reason) => void seen.push([attempt, waitMs, reason]) }).getDeletion('t-9');
    expect(state.status).toBe('SUCCESS');
    expect(seen).toEqual([
      [1, 20, 'GET /data-deletions/v3.0/t-9: 503 from the GDPR API'],
      [2, 0, 'GET /data-deletions/v3.0/t-9: 429 from the GDPR API (Retry-After 0)'],
      [3, 80, expect.stringMatching(/^GET \/data-deletions\/v3\.0\/t-9: no answer: /)],
    ]);
    expect(api.seen).toHaveLength(4);
    // A reporter that throws fails the call loudly; one that is not a function is refused at once.
    api.script({ status: 503 });
    await expect(client({ onRetry: () => { throw new Error('reporter broke'); } }).getDeletion('t')).rejects.toThrow('reporter broke');
    expect(() => client({ onRetry: 'console' as never })).toThrow(/onRetry must be a function/);
  });

  test('no answer within `timeout` counts as a network error and is retried', async () => {
    api.script({ ...deletionState('PENDING'), delayMs: 400 }, deletionState('STAGING'));
    expect((await client({ timeout: 100 }).getDeletion('task-1')).status).toBe('STAGING');
    expect(api.seen).toHaveLength(2);
  });
});

describe('the retry decision, in its fixed order', () => {
  const retry = { limit: 3, backoff: 100, maxDelay: 1000 };
  const answer = (status: number, retryAfter: string | null = null) => ({ status, retryAfter, text: '' });
  test('attempt limit → status (Retry-After wins, too long gives up) → no answer → final', () => {
    expect(retryDelay(retry, 4, answer(503))).toBeUndefined(); // limit first, whatever the status
    expect([1, 2, 3, 4].map((n) => retryDelay({ ...retry, limit: 9 }, n, answer(500)))).toEqual([100, 200, 400, 800]);
    expect(retryDelay({ ...retry, limit: 9 }, 6, answer(500))).toBe(1000); // capped at maxDelay
    expect(retryDelay(retry, 1, answer(429, '2'))).toBeUndefined(); // asks for 2 s, maxDelay is 1 s: give up
    expect(retryDelay(retry, 1, answer(429, '1'))).toBe(1000);
    expect(retryDelay(retry, 1, answer(429, 'soon'))).toBe(100); // unreadable: the backoff
    expect(retryDelay(retry, 1, { networkError: new TypeError('fetch failed') })).toBe(100);
    for (const status of [400, 401, 403, 404, 405, 409, 422]) expect(retryDelay(retry, 1, answer(status))).toBeUndefined();
  });
  test('Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-08-01T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120000);
    expect(parseRetryAfter('Sat, 01 Aug 2026 10:00:30 GMT', now)).toBe(30000);
    expect(parseRetryAfter('Sat, 01 Aug 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('pacing: one request at a time, a second apart, shared by every call', () => {
  test('the default spaces requests by at least 1 s from the end of the previous one', async () => {
    api.otherwise(() => deletionState('PENDING'));
    const c = client({ interval: undefined });
    await Promise.all([c.getDeletion('a'), c.getDeletion('b')]);
    expect(api.seen[1]!.at - api.seen[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  test('concurrent calls of one client are serialised and spaced, creates and polls alike', async () => {
    api.otherwise((s) => (s.method === 'POST' ? created(`t-${api.seen.length}`) : deletionState('PENDING')));
    const c = client({ interval: 150 });
    await Promise.all([c.createDeletion({ distinctIds: ids(4000) }), c.getDeletion('x'), c.getExport('y'), c.cancelDeletion('z').catch(() => undefined)]);
    expect(api.seen).toHaveLength(6); // 3 creates (1999 + 1999 + 2), 2 polls, 1 cancel
    for (let i = 1; i < api.seen.length; i++) expect(api.seen[i]!.at - api.seen[i - 1]!.at).toBeGreaterThanOrEqual(145);
  });

  test('a Retry-After holds every caller of the client, not just the one that got the 429', async () => {
    api.script({ status: 429, headers: { 'retry-after': '1' } });
    api.otherwise(() => deletionState('PENDING'));
    const c = client();
    await Promise.all([c.getDeletion('a'), c.getDeletion('b')]);
    expect(api.seen).toHaveLength(3);
    expect(api.seen[1]!.at - api.seen[0]!.at).toBeGreaterThanOrEqual(990);
  });
});

describe('waitFor', () => {
  test('polls PENDING → STAGING → STARTED → SUCCESS, reporting each, and returns the export link', async () => {
    api.script(exportState('PENDING'), exportState('STAGING'), exportState('STAGING'), exportState('STARTED'), exportState('SUCCESS', 'https://x.example/e.json'));
    const seen: PrivacyTaskState[] = [];
    const final = await client().waitFor({ kind: 'export', id: 'e-1' }, { pollInterval: 10, onProgress: (s) => seen.push(s) });
    expect(seen.map((s) => s.status)).toEqual(['PENDING', 'STAGING', 'STAGING', 'STARTED', 'SUCCESS']);
    expect(final).toMatchObject({ status: 'SUCCESS', terminal: true, url: 'https://x.example/e.json' });
  });

  test.each(['FAILURE', 'REVOKED', 'NOT_FOUND', 'UNKNOWN'])('stops at %s (terminal) and resolves with it', async (status) => {
    api.script(deletionState('STAGING'), deletionState(status));
    const final = await client().waitFor({ kind: 'deletion', id: 'task-1' }, { pollInterval: 5 });
    expect(final).toMatchObject({ status, terminal: true });
    expect(api.seen).toHaveLength(2);
  });

  test('backs off while nothing changes, capped by maxPollInterval', async () => {
    api.script(...Array.from({ length: 5 }, () => deletionState('PENDING')), deletionState('SUCCESS'));
    await client().waitFor({ kind: 'deletion', id: 'task-1' }, { pollInterval: 100, maxPollInterval: 150 });
    const gaps = api.seen.slice(1).map((s, i) => s.at - api.seen[i]!.at);
    // 100, then ×1.5 per unchanged answer: 150, 225 → 150, 337 → 150, 506 → 150.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps.slice(1).every((g) => g >= 145)).toBe(true);
    expect(gaps[4]).toBeLessThan(400);
  });

  test('abort while waiting between polls rejects at once with the AbortError', async () => {
    api.otherwise(() => deletionState('PENDING'));
    const controller = new AbortController();
    const waiting = client().waitFor({ kind: 'deletion', id: 'task-1' }, { pollInterval: 60000, signal: controller.signal });
    while (api.seen.length < 1) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    controller.abort();
    const error = await rejection(waiting);
    expect(error.name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1000); // not the 60 s poll interval
    expect(api.seen).toHaveLength(1);
  });

  test('abort during a request in flight and while queued behind the pacer', async () => {
    api.otherwise(() => ({ ...deletionState('PENDING'), delayMs: 2000 }));
    const c = client({ interval: 5000 });
    const inflight = new AbortController();
    const queued = new AbortController();
    const first = c.getDeletion('a', { signal: inflight.signal });
    const second = c.waitFor({ kind: 'deletion', id: 'b' }, { signal: queued.signal });
    while (api.seen.length < 1) await new Promise((r) => setTimeout(r, 5));
    queued.abort(new Error('user gave up'));
    expect((await rejection(second)).message).toBe('user gave up');
    inflight.abort();
    expect((await rejection(first)).name).toBe('AbortError');
    expect(api.seen).toHaveLength(1);
  });

  test('an already aborted signal sends nothing', async () => {
    const error = await rejection(client().createDeletion({ distinctIds: ['a'] }, { signal: AbortSignal.abort() }));
    expect(error.name).toBe('AbortError');
    expect(api.seen).toHaveLength(0);
  });
});
