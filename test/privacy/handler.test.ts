/**
 * The app-side handler: who may ask (only the id `authorize` returns), what it asks the client,
 * and what the browser gets back. The client here is an in-memory stand-in that records requests;
 * the real client behind the handler is covered by loop.test.ts and the e2e test.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import heed from '../../src/entry/node';
import { memorySuppressions } from '../../src/server';
import {
  createPrivacyHandler,
  PrivacyAuthError,
  PrivacyRateLimitError,
  PrivacyRequestError,
  toNodeHandler,
  type PrivacyHandlerOptions,
  type PrivacyTask,
  type PrivacyTaskState,
  type TaskKind,
} from '../../src/privacy';

interface Asked {
  call: string;
  distinctIds?: readonly string[];
  complianceType?: string;
  disclosureType?: string;
  id?: string;
}

/** Jobs in memory, owned by the ids they were created for. */
function memoryClient() {
  const asked: Asked[] = [];
  const jobs = new Map<string, { kind: TaskKind; ids: readonly string[]; status: PrivacyTaskState['status'] }>();
  let failure: Error | undefined;
  const create = (kind: TaskKind) => async (r: { distinctIds: readonly string[]; complianceType?: 'GDPR' | 'CCPA'; disclosureType?: 'Data' | 'Categories' | 'Sources' }): Promise<PrivacyTask[]> => {
    asked.push({ call: kind, distinctIds: r.distinctIds, ...(r.complianceType ? { complianceType: r.complianceType } : {}), ...(r.disclosureType ? { disclosureType: r.disclosureType } : {}) });
    if (failure) throw failure;
    const id = `job-${jobs.size + 1}`;
    jobs.set(id, { kind, ids: r.distinctIds, status: 'PENDING' });
    return [{ kind, id, distinctIds: r.distinctIds, complianceType: r.complianceType ?? 'GDPR' }];
  };
  const get = (kind: TaskKind) => async (id: string): Promise<PrivacyTaskState> => {
    asked.push({ call: `get-${kind}`, id });
    if (failure) throw failure;
    const job = jobs.get(id);
    if (!job || job.kind !== kind) return { kind, id, status: 'NOT_FOUND', terminal: true, distinctIds: [] };
    const url = kind === 'export' && job.status === 'SUCCESS' ? { url: `https://files.example/${id}.json` } : {};
    return { kind, id, status: job.status, terminal: job.status !== 'PENDING', distinctIds: job.ids, ...url };
  };
  return {
    asked,
    jobs,
    fail(error: Error | undefined) {
      failure = error;
    },
    client: { createDeletion: create('deletion'), createExport: create('export'), getDeletion: get('deletion'), getExport: get('export') },
  };
}

/** Sessions as a cookie `sid=<name>` naming the signed-in distinct_id. */
const authorize = (request: Request) => /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? null;

let fake: ReturnType<typeof memoryClient>;
let errors: unknown[];
let suppressed: string[];
let handle: (request: Request) => Promise<Response>;
const setup = (options: Partial<PrivacyHandlerOptions> = {}) => {
  fake = memoryClient();
  errors = [];
  suppressed = [];
  const suppress = { suppress: async (id: string) => void suppressed.push(id) };
  handle = createPrivacyHandler({ client: fake.client, authorize, onError: (e) => errors.push(e), suppress, ...options });
};
beforeEach(() => setup());

function call(path: string, { method = 'POST', who, body, type = 'application/json' }: { method?: string; who?: string; body?: unknown; type?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (who) headers.cookie = `theme=dark; sid=${who}`;
  if (type && method === 'POST') headers['content-type'] = type;
  const init: RequestInit = { method, headers };
  if (method === 'POST') init.body = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return handle(new Request(`https://app.example${path}`, init));
}
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

describe('who may ask', () => {
  test('no session: 401 on every route, and the client is never asked', async () => {
    for (const [path, method] of [['/privacy/deletion', 'POST'], ['/privacy/export', 'POST'], ['/privacy/tasks/deletion:job-1', 'GET']] as const) {
      expect(await json(await call(path, { method, body: { distinct_id: 'alice' } }))).toEqual({ status: 401, body: { error: expect.any(String) } });
    }
    expect(fake.asked).toEqual([]);
  });

  test('the handler acts on the signed-in id only: the body may confirm it, never choose it', async () => {
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(201);
    expect((await call('/privacy/deletion', { who: 'alice', body: { distinct_id: 'alice', user_id: 'alice', device_id: 'd-1' } })).status).toBe(201);
    expect(fake.asked.map((a) => a.distinctIds)).toEqual([['alice'], ['alice']]);
  });

  test("asking for someone else's id (distinct_id or user_id) is 401 and changes nothing", async () => {
    for (const body of [{ distinct_id: 'bob' }, { user_id: 'bob' }, { distinct_id: 'alice', user_id: 'bob' }, { distinct_id: '$device:d-1' }]) {
      const answer = await json(await call('/privacy/deletion', { who: 'alice', body }));
      expect(answer).toEqual({ status: 401, body: { error: expect.stringMatching(/not authorized/) } });
    }
    expect(fake.asked).toEqual([]);
  });

  test('a task can only be read by the id it was created for (404 for anyone else, and for nonsense ids)', async () => {
    const created = await json(await call('/privacy/export', { who: 'alice', body: {} }));
    expect(created).toEqual({ status: 201, body: { id: 'export:job-1', kind: 'export', status: 'PENDING', terminal: false } });
    const path = `/privacy/tasks/${encodeURIComponent(created.body.id)}`;
    expect(await json(await call(path, { method: 'GET', who: 'alice' }))).toEqual({ status: 200, body: created.body });
    expect((await call(path, { method: 'GET', who: 'bob' })).status).toBe(404);
    fake.jobs.get('job-1')!.status = 'SUCCESS';
    expect((await json(await call(path, { method: 'GET', who: 'alice' }))).body).toEqual({
      id: 'export:job-1', kind: 'export', status: 'SUCCESS', terminal: true, url: 'https://files.example/job-1.json',
    });
    for (const bad of ['job-1', 'deletion:job-1', 'upload:job-1', 'export:', '%E0%A4%A']) {
      expect((await call(`/privacy/tasks/${bad}`, { method: 'GET', who: 'alice' })).status).toBe(404);
    }
  });

  test('a state that names nobody is refused (fail closed)', async () => {
    setup({ client: { ...memoryClient().client, getDeletion: async (id) => ({ kind: 'deletion', id, status: 'SUCCESS', terminal: true }) } });
    expect((await call('/privacy/tasks/deletion:x', { method: 'GET', who: 'alice' })).status).toBe(404);
  });

  test('authorize may be async; when it throws the answer is 500 and the error is reported', async () => {
    setup({ authorize: async () => 'alice' });
    expect((await call('/privacy/deletion', { body: {} })).status).toBe(201);
    const boom = new Error('session store down');
    setup({ authorize: () => Promise.reject(boom) });
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(500);
    expect(errors).toEqual([boom]);
  });
});

describe('requests', () => {
  test('compliance and disclosure types: the handler default, or what the browser names', async () => {
    setup({ complianceType: 'CCPA' });
    await call('/privacy/deletion', { who: 'alice', body: {} });
    await call('/privacy/export', { who: 'alice', body: { compliance_type: 'gdpr', disclosure_type: 'sources' } });
    expect(fake.asked).toEqual([
      { call: 'deletion', distinctIds: ['alice'], complianceType: 'CCPA' },
      { call: 'export', distinctIds: ['alice'], complianceType: 'GDPR', disclosureType: 'Sources' },
    ]);
    expect((await call('/privacy/export', { who: 'alice', body: { compliance_type: 'HIPAA' } })).status).toBe(400);
    expect((await call('/privacy/deletion', { who: 'alice', body: { disclosure_type: 'Data' } })).status).toBe(400);
  });

  test('only JSON is accepted (no cross-site form posts), and only a JSON object', async () => {
    expect((await call('/privacy/deletion', { who: 'alice', body: 'distinct_id=alice', type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await call('/privacy/deletion', { who: 'alice', body: '', type: 'text/plain' })).status).toBe(415);
    expect((await call('/privacy/deletion', { who: 'alice', body: '[1]' })).status).toBe(400);
    expect((await call('/privacy/deletion', { who: 'alice', body: '{"distinct_id":' })).status).toBe(400);
    expect((await call('/privacy/deletion', { who: 'alice', body: { pad: 'x'.repeat(20000) } })).status).toBe(413);
    expect(fake.asked).toEqual([]);
  });

  test('routes and methods: 404 elsewhere, 405 with Allow, a custom basePath, trailing slashes', async () => {
    expect((await call('/privacy/other', { who: 'alice' })).status).toBe(404);
    const wrong = await call('/privacy/deletion', { method: 'GET', who: 'alice' });
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await call('/privacy/tasks/x', { method: 'POST', who: 'alice', body: {} })).status).toBe(405);
    setup({ basePath: '/api/me/data/' });
    expect((await call('/api/me/data/deletion/', { who: 'alice', body: {} })).status).toBe(201);
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(404);
  });

  test('per-id rate limit: 429 with Retry-After past the limit; other people are not held back', async () => {
    setup({ rateLimit: { limit: 2, windowMs: 60000 } });
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(201);
    expect((await call('/privacy/tasks/deletion:job-1', { method: 'GET', who: 'alice' })).status).toBe(200);
    const limited = await call('/privacy/export', { who: 'alice', body: {} });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '60']);
    expect((await call('/privacy/export', { who: 'bob', body: {} })).status).toBe(201);
    expect(fake.asked.map((a) => a.call)).toEqual(['deletion', 'get-deletion', 'export']);
    setup({ rateLimit: false });
    for (let i = 0; i < 30; i++) expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(201);
  });

  test('client failures: reported to onError, and the browser gets a generic 502 / 503', async () => {
    const cases: [Error, number, string | null][] = [
      [new PrivacyAuthError('401 from the GDPR API', { status: 401 }), 502, null],
      [new PrivacyRequestError('400', 'rejected', { status: 400 }), 502, null],
      [new PrivacyRateLimitError('429', { status: 429, retryAfter: 30000 }), 503, '30'],
      [new TypeError('bug'), 500, null],
    ];
    for (const [error, status, retryAfter] of cases) {
      fake.fail(error);
      const answer = await call('/privacy/deletion', { who: 'alice', body: {} });
      expect([answer.status, answer.headers.get('retry-after')]).toEqual([status, retryAfter]);
      expect(JSON.stringify(await answer.json())).not.toMatch(/GDPR API|401|bug/);
    }
    expect(errors).toEqual(cases.map((c) => c[0]));
  });
});

describe('toNodeHandler', () => {
  let server: Server;
  let base: string;
  const start = async (maxBodyBytes?: number) => {
    server = createServer(toNodeHandler(handle, maxBodyBytes === undefined ? {} : { maxBodyBytes }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  test('carries method, path, cookies and body in; status, headers and body out', async () => {
    await start();
    const res = await fetch(`${base}/privacy/deletion`, { method: 'POST', headers: { cookie: 'sid=alice', 'content-type': 'application/json' }, body: '{"distinct_id":"alice"}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ id: 'deletion:job-1', kind: 'deletion', status: 'PENDING', terminal: false });
    const head = await fetch(`${base}/privacy/tasks/deletion:job-1`, { method: 'HEAD', headers: { cookie: 'sid=alice' } });
    expect([head.status, await head.text()]).toEqual([200, '']);
    expect((await fetch(`${base}/privacy/deletion`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  test('a body over maxBodyBytes is 413 before the handler runs', async () => {
    await start(100);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/privacy/deletion`, { method: 'POST', headers: { cookie: 'sid=alice', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ pad: 'x'.repeat(500) }));
    });
    expect(status).toBe(413);
    expect(fake.asked).toEqual([]);
  });
});

describe('server-side suppression', () => {
  test('a deletion suppresses the signed-in person before the job is created', async () => {
    const order: string[] = [];
    setup({ suppress: { suppress: async (id) => void order.push(`suppress ${id}`) }, client: { ...fake.client, createDeletion: async (r) => (order.push('deletion'), fake.client.createDeletion(r)) } });
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(201);
    expect(order).toEqual(['suppress alice', 'deletion']);
  });

  test('POST /opt-out suppresses the signed-in person, deletes nothing, and answers { suppressed: true }', async () => {
    expect(await json(await call('/privacy/opt-out', { who: 'alice', body: {} }))).toEqual({ status: 200, body: { suppressed: true } });
    expect(suppressed).toEqual(['alice']);
    expect(fake.asked).toEqual([]);
  });

  test('the opt-out route is guarded like the others: session, JSON, method, someone else’s id', async () => {
    expect((await call('/privacy/opt-out', { body: {} })).status).toBe(401);
    expect((await call('/privacy/opt-out', { who: 'alice', body: 'x=1', type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await call('/privacy/opt-out', { method: 'GET', who: 'alice' })).status).toBe(405);
    expect((await call('/privacy/opt-out', { who: 'alice', body: { distinct_id: 'bob' } })).status).toBe(401);
    expect(suppressed).toEqual([]);
  });

  test('a failing suppression: the opt-out answers 503 (reported); a deletion still goes ahead (reported)', async () => {
    const down = new Error('redis down');
    setup({ suppress: { suppress: () => Promise.reject(down) } });
    expect((await call('/privacy/opt-out', { who: 'alice', body: {} })).status).toBe(503);
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(201);
    expect(errors).toEqual([down, down]);
    expect(fake.asked.map((a) => a.call)).toEqual(['deletion']);
  });

  test('`suppress: false`: deletions do not suppress, the opt-out route answers 501', async () => {
    setup({ suppress: false });
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(201);
    expect((await call('/privacy/opt-out', { who: 'alice', body: {} })).status).toBe(501);
    expect(errors).toEqual([]);
  });

  test('a suppression store works directly (a privacy service that does not track)', async () => {
    const store = memorySuppressions();
    setup({ suppress: store });
    await call('/privacy/opt-out', { who: 'alice', body: {} });
    expect(await store.list()).toEqual(['alice']);
  });

  test('by default: the Node entry’s default tracker, so its next call for that person is dropped', async () => {
    setup({ suppress: undefined });
    // Not initialised yet: the deletion goes ahead and the missed suppression is reported.
    expect((await call('/privacy/deletion', { who: 'alice', body: {} })).status).toBe(201);
    expect(String(errors[0])).toMatch(/suppress: init\(\) was not called/);
    heed.init('handler-default-token', { api_host: 'http://127.0.0.1:9', batch_flush_interval_ms: 60000 });
    expect((await call('/privacy/opt-out', { who: 'bob', body: {} })).status).toBe(200);
    expect(heed.isSuppressed('bob')).toBe(true);
    expect(heed.track('after', { distinct_id: 'bob' })).toBeUndefined();
    expect(heed.isSuppressed('carol')).toBe(false);
    expect(heed.track('after', { distinct_id: 'carol' })).toBeDefined();
  });
});
