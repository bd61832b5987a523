/**
 * The collector's GDPR API v3: every answer checked against the vendored gdpr.openapi.yaml
 * (ajv, additionalProperties: false included), and every job's effect checked in SQLite and on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startCollector } from '../src/index.js';
import { responseErrors, SPEC_STATUSES } from '../../test/privacy/gdpr-spec';
import { TOKEN, event, events, startTestCollector, type Reply, type TestCollector } from './helpers.js';

const GDPR_TOKEN = 'gdpr-test-token';
const AUTH = { authorization: `Bearer ${GDPR_TOKEN}` };
type Kind = 'deletion' | 'retrieval';
const COLLECTION: Record<Kind, string> = { deletion: '/api/app/data-deletions/v3.0', retrieval: '/api/app/data-retrievals/v3.0' };
const SPEC_PATH: Record<Kind, string> = { deletion: '/data-deletions/v3.0', retrieval: '/data-retrievals/v3.0' };

let t: TestCollector;
afterEach(async () => {
  await t?.close();
});

const start = (options: Parameters<typeof startTestCollector>[0] = {}) =>
  startTestCollector({ gdprToken: GDPR_TOKEN, gdprStepMs: 30, gdprMinIntervalMs: 0, ...options }).then((c) => (t = c));

function create(kind: Kind, body: unknown, { token = TOKEN, slash = '' } = {}): Promise<Reply> {
  return t.post(`${COLLECTION[kind]}${slash}?token=${token}`, body, AUTH);
}

async function status(kind: Kind, id: string, { token = TOKEN, slash = '' } = {}): Promise<Reply> {
  const reply = await t.request(`${COLLECTION[kind]}/${encodeURIComponent(id)}${slash}?token=${token}`, { headers: AUTH });
  expect(reply.status).toBe(200);
  expect(responseErrors('get', `${SPEC_PATH[kind]}/{tracking_id}`, 200, reply.json)).toEqual([]);
  return reply;
}

async function createOk(kind: Kind, ids: string[], extra: Record<string, unknown> = {}, token = TOKEN): Promise<string> {
  const reply = await create(kind, { distinct_ids: ids, compliance_type: 'GDPR', ...extra }, { token });
  expect(reply.status).toBe(201);
  expect(responseErrors('post', SPEC_PATH[kind], 201, reply.json)).toEqual([]);
  return reply.json.results.task_id;
}

/** Polls until `wanted`, returning every status seen on the way (each answer spec-checked). */
async function until(kind: Kind, id: string, wanted: string, token = TOKEN): Promise<{ seen: string[]; last: any }> {
  const seen: string[] = [];
  const end = Date.now() + 10000;
  for (;;) {
    const { json } = await status(kind, id, { token });
    if (seen[seen.length - 1] !== json.results.status) seen.push(json.results.status);
    if (json.results.status === wanted) return { seen, last: json };
    if (Date.now() > end) throw new Error(`timed out at ${seen.join(' → ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function track(items: unknown[]): Promise<void> {
  const reply = await t.post('/track', items);
  expect(reply.status).toBe(200);
}
async function engage(items: unknown[]): Promise<void> {
  const reply = await t.post('/engage', items);
  expect(reply.status).toBe(200);
}

/**
 * alice browsed anonymously on device D1, then signed in; bob owns device D2, which alice later
 * also used (a device merges into its first user only, so D2's anonymous events stay bob's);
 * another project has its own alice.
 */
async function seedPeople(): Promise<void> {
  await track([
    event('anon view', { distinct_id: '$device:D1', $device_id: 'D1' }),
    event('$identify', { distinct_id: 'alice', $device_id: 'D1', $user_id: 'alice', $anon_distinct_id: '$device:D1' }),
    event('purchase', { distinct_id: 'alice', $device_id: 'D1', $user_id: 'alice', secret: 'ALICE-MARKER-7f3a' }),
    event('anon view', { distinct_id: '$device:D2', $device_id: 'D2' }),
    event('login', { distinct_id: 'bob', $device_id: 'D2', $user_id: 'bob' }),
    event('later login', { distinct_id: 'alice', $device_id: 'D2', $user_id: 'alice' }),
    event('other project', { token: 'other-project', distinct_id: 'alice' }),
  ]);
  await engage([
    { $token: TOKEN, $distinct_id: 'alice', $set: { email: 'alice@example.com' } },
    { $token: TOKEN, $distinct_id: 'bob', $set: { email: 'bob@example.com' } },
    { $token: 'other-project', $distinct_id: 'alice', $set: { email: 'alice@other.example' } },
  ]);
}

const rows = (sql: string, ...args: unknown[]) => t.collector.db.prepare(sql).all(...args) as any[];

/** Move a job's clock on by `steps` stages (the clock is derived from created_at): no racing timers. */
const STEP = 10000;
const age = (id: string, steps: number) => t.collector.db.prepare('UPDATE gdpr_tasks SET created_at = created_at - ? WHERE id = ?').run(steps * STEP, id);

describe('authentication, project token and validation', () => {
  test('no or a wrong bearer token: 401 in the spec’s error shape, nothing created', async () => {
    await start();
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${GDPR_TOKEN}` }] as Record<string, string>[]) {
      const reply = await t.post(`${COLLECTION.deletion}?token=${TOKEN}`, { distinct_ids: ['a'] }, headers);
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({ status: 'error', error: expect.any(String) });
      expect(responseErrors('post', SPEC_PATH.deletion, 401, reply.json)).toEqual([]);
      const get = await t.request(`${COLLECTION.retrieval}/x?token=${TOKEN}`, { headers });
      expect(get.status).toBe(401);
    }
    expect(rows('SELECT * FROM gdpr_tasks')).toEqual([]);
  });

  test('a missing ?token= is 400; invalid bodies are 400 and create nothing', async () => {
    await start();
    expect((await t.post(COLLECTION.deletion, { distinct_ids: ['a'] }, AUTH)).status).toBe(400);
    const bad = [
      '{"distinct_ids":',
      [],
      {},
      { distinct_ids: [] },
      { distinct_ids: ['a', ''] },
      { distinct_ids: ['a', 5] },
      { distinct_ids: Array.from({ length: 2001 }, (_, i) => `u${i}`) },
      { distinct_ids: ['a'], compliance_type: 'HIPAA' },
    ];
    for (const body of bad) {
      const reply = await create('deletion', body);
      expect([reply.status, reply.json.status]).toEqual([400, 'error']);
    }
    expect((await create('retrieval', { distinct_ids: ['a'], disclosure_type: 'Everything' })).status).toBe(400);
    expect(rows('SELECT * FROM gdpr_tasks')).toEqual([]);
    // The limit itself is fine, and enums are case-insensitive.
    expect((await create('deletion', { distinct_ids: Array.from({ length: 2000 }, (_, i) => `u${i}`), compliance_type: 'ccpa' })).status).toBe(201);
    expect(rows('SELECT compliance_type FROM gdpr_tasks')).toEqual([{ compliance_type: 'CCPA' }]);
  });

  test('1 request/s per project by default: 429 with Retry-After; refused auth does not count; 0 turns it off', async () => {
    await start({ gdprMinIntervalMs: undefined });
    expect((await t.post(`${COLLECTION.deletion}?token=${TOKEN}`, { distinct_ids: ['a'] }, {})).status).toBe(401);
    expect((await create('deletion', { distinct_ids: ['a'] })).status).toBe(201);
    const limited = await t.request(`${COLLECTION.deletion}/x?token=${TOKEN}`, { headers: AUTH });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json).toEqual({ status: 'error', error: expect.stringMatching(/rate limit/) });
    // Per project: another token is not held back.
    expect((await t.request(`${COLLECTION.deletion}/x?token=other`, { headers: AUTH })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await t.request(`${COLLECTION.deletion}/x?token=${TOKEN}`, { headers: AUTH })).status).toBe(200);
    await t.close();

    await start({ gdprMinIntervalMs: 0 });
    const replies = await Promise.all(Array.from({ length: 5 }, () => t.request(`${COLLECTION.deletion}/x?token=${TOKEN}`, { headers: AUTH })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('jobs: PENDING → STAGING → STARTED → SUCCESS, answers valid against the spec', () => {
  test.each(['deletion', 'retrieval'] as const)('%s: every stage in order, with and without trailing slashes', async (kind) => {
    await start({ gdprStepMs: STEP });
    const reply = await create(kind, { distinct_ids: ['alice'] }, { slash: '/' });
    expect(reply.status).toBe(201);
    expect(responseErrors('post', SPEC_PATH[kind], 201, reply.json)).toEqual([]);
    const id = reply.json.results.task_id as string;
    const seen: string[] = [];
    for (let stage = 0; stage < 4; stage++) {
      if (stage) age(id, 1);
      seen.push((await status(kind, id, { slash: stage % 2 ? '/' : '' })).json.results.status);
    }
    expect(seen).toEqual(['PENDING', 'STAGING', 'STARTED', 'SUCCESS']);
    const { json: last } = await status(kind, id);
    if (kind === 'deletion') {
      expect(last.results).toEqual({
        tracking_id: id,
        status: 'SUCCESS',
        requesting_user: expect.any(String),
        compliance_type: 'GDPR',
        project_id: expect.any(Number),
        date_requested: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
        distinct_ids: ['alice'],
      });
    } else {
      expect(last.results).toEqual({ status: 'SUCCESS', results: expect.stringMatching(/^http:\/\/.+\/api\/app\/exports\/[0-9a-f-]+\.json$/), distinct_ids: ['alice'] });
    }
  });

  test('on its own, the clock moves jobs on with timers (no polling needed)', async () => {
    await start({ gdprStepMs: 20 });
    const id = await createOk('deletion', ['alice']);
    const end = Date.now() + 10000;
    while (rows('SELECT status FROM gdpr_tasks WHERE id = ?', id)[0].status !== 'SUCCESS') {
      if (Date.now() > end) throw new Error('the job did not finish by itself');
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  test('unknown ids and other projects’ ids answer NOT_FOUND, still spec-valid', async () => {
    await start();
    const id = await createOk('deletion', ['alice']);
    for (const kind of ['deletion', 'retrieval'] as const) {
      expect((await status(kind, 'no-such-task')).json.results.status).toBe('NOT_FOUND');
      expect((await status(kind, id, { token: 'other-project' })).json.results.status).toBe('NOT_FOUND');
    }
    expect((await status('retrieval', id)).json.results.status).toBe('NOT_FOUND'); // a deletion is not a retrieval
  });

  test('the terminal statuses the clock never produces (FAILURE, REVOKED, NOT_FOUND, UNKNOWN) are answered spec-valid too', async () => {
    await start();
    const id = await createOk('deletion', ['alice']);
    await until('deletion', id, 'SUCCESS');
    for (const s of SPEC_STATUSES.filter((x) => !['PENDING', 'STAGING', 'STARTED', 'SUCCESS'].includes(x))) {
      t.collector.db.prepare('UPDATE gdpr_tasks SET status = ? WHERE id = ?').run(s, id);
      expect((await status('deletion', id)).json.results.status).toBe(s);
    }
  });
});

describe('a deletion removes the person, and only them', () => {
  test('events (anonymous ones merged into them too) and profile rows go; everyone else stays', async () => {
    await start();
    await seedPeople();
    const before = await events(t);
    const id = await createOk('deletion', ['alice']);
    await until('deletion', id, 'SUCCESS');
    const left = await events(t);
    const gone = before.filter((e) => !left.some((l: any) => l.id === e.id)).map((e: any) => `${e.token}/${e.distinct_id}/${e.event}`);
    expect(gone.sort()).toEqual(
      [`${TOKEN}/$device:D1/anon view`, `${TOKEN}/alice/$identify`, `${TOKEN}/alice/purchase`, `${TOKEN}/alice/later login`].sort(),
    );
    expect(left.map((e: any) => `${e.token}/${e.distinct_id}`).sort()).toEqual([`${TOKEN}/$device:D2`, `${TOKEN}/bob`, 'other-project/alice'].sort());
    expect(rows('SELECT token, distinct_id FROM profiles ORDER BY token, distinct_id')).toEqual([
      { token: 'other-project', distinct_id: 'alice' },
      { token: TOKEN, distinct_id: 'bob' },
    ]);
    const task = (await t.request(`/api/tasks/${id}`)).json;
    expect(task).toMatchObject({ kind: 'deletion', status: 'SUCCESS', deleted_events: 4, deleted_profiles: 1, distinct_ids: ['alice'] });
  });

  test('the deleted values are gone from the database file and its WAL, not only from queries', async () => {
    await start();
    await seedPeople();
    // Overwrite alice's profile a few times: INSERT OR REPLACE leaves old copies in free pages.
    for (let i = 0; i < 3; i++) await engage([{ $token: TOKEN, $distinct_id: 'alice', $set: { note: `ALICE-MARKER-7f3a-${i}` } }]);
    const bytes = () => ['', '-wal'].map((s) => (fs.existsSync(t.dbFile + s) ? fs.readFileSync(t.dbFile + s).toString('latin1') : '')).join('');
    t.collector.db.pragma('wal_checkpoint(PASSIVE)');
    expect(bytes()).toContain('ALICE-MARKER-7f3a');
    await until('deletion', await createOk('deletion', ['alice']), 'SUCCESS');
    expect(bytes()).not.toContain('ALICE-MARKER-7f3a');
    expect(bytes()).toContain('bob@example.com');
  });

  test('jobs live in the database: after a restart they catch up on the clock', async () => {
    await start({ gdprStepMs: 150 });
    await seedPeople();
    const id = await createOk('deletion', ['alice']);
    const { dbFile } = t;
    await t.collector.close();
    await new Promise((r) => setTimeout(r, 600));
    const again = await startCollector({ db: dbFile, gdprToken: GDPR_TOKEN, gdprMinIntervalMs: 0, gdprStepMs: 150 });
    try {
      const reply = await fetch(`${again.url}${COLLECTION.deletion}/${id}?token=${TOKEN}`, { headers: AUTH });
      expect(((await reply.json()) as any).results.status).toBe('SUCCESS');
      expect(again.db.prepare(`SELECT count(*) FROM events WHERE distinct_id = 'alice' AND token = '${TOKEN}'`).pluck().get()).toBe(0);
    } finally {
      await again.close();
    }
  });
});

describe('an export writes that person’s data to a file served at the link', () => {
  test('GDPR: exactly their events (merged anonymous ones included) and profile, from this project', async () => {
    await start();
    await seedPeople();
    const id = await createOk('retrieval', ['alice']);
    const { last } = await until('retrieval', id, 'SUCCESS');
    const file = await fetch(last.results.results); // no credentials: an unguessable link
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment/);
    const data = (await file.json()) as any;
    const all = await events(t);
    const alices = all.filter((e: any) => e.token === TOKEN && ['alice', '$device:D1'].includes(e.distinct_id));
    expect(data.events).toEqual(alices);
    expect(data.profiles).toEqual([expect.objectContaining({ token: TOKEN, distinct_id: 'alice', properties: { email: 'alice@example.com' } })]);
    expect(data).toMatchObject({ task_id: id, project_token: TOKEN, compliance_type: 'GDPR', distinct_ids: ['alice'] });
    // Nothing was deleted by exporting.
    expect(await events(t)).toEqual(all);
  });

  test('CCPA holds the previous year only; Categories and Sources disclose headers and means, not data', async () => {
    await start();
    const now = Math.floor(Date.now() / 1000);
    await track([
      event('recent', { distinct_id: 'carol', time: now - 3600, mp_lib: 'heed', $lib_version: '0.1.0', $os: 'Linux', plan: 'pro' }),
      event('ancient', { distinct_id: 'carol', time: now - 400 * 24 * 3600, mp_lib: 'web', $lib_version: '2.0', $os: 'Mac OS X' }),
    ]);
    const download = async (extra: Record<string, unknown>) => {
      const { last } = await until('retrieval', await createOk('retrieval', ['carol'], { compliance_type: 'CCPA', ...extra }), 'SUCCESS');
      return (await (await fetch(last.results.results)).json()) as any;
    };
    expect((await download({})).events.map((e: any) => e.event)).toEqual(['recent']);
    const categories = await download({ disclosure_type: 'Categories' });
    expect(categories.events).toBeUndefined();
    expect(categories.categories).toMatchObject({ events: ['recent'], event_properties: expect.arrayContaining(['plan', 'mp_lib']) });
    expect((await download({ disclosure_type: 'sources' })).sources).toEqual([{ library: 'heed', version: '0.1.0', os: 'Linux', browser: null }]);
  });

  test('export links: unknown or malformed names are 404', async () => {
    await start();
    for (const name of ['00000000-0000-0000-0000-000000000000.json', '..%2F..%2Fetc%2Fpasswd', 'x.json']) {
      expect((await t.request(`/api/app/exports/${name}`)).status).toBe(404);
    }
  });
});

describe('cancel', () => {
  test('204 while PENDING or STAGING, the job becomes REVOKED and never runs', async () => {
    await start({ gdprStepMs: STEP });
    await seedPeople();
    const pending = await createOk('deletion', ['alice']);
    const cancel = await t.request(`${COLLECTION.deletion}/${pending}?token=${TOKEN}`, { method: 'DELETE', headers: AUTH });
    expect([cancel.status, cancel.text]).toEqual([204, '']);
    const staging = await createOk('deletion', ['bob']);
    age(staging, 1);
    expect((await status('deletion', staging)).json.results.status).toBe('STAGING');
    expect((await t.request(`${COLLECTION.deletion}/${staging}/?token=${TOKEN}`, { method: 'DELETE', headers: AUTH })).status).toBe(204);
    age(pending, 5);
    age(staging, 5);
    expect((await status('deletion', pending)).json.results.status).toBe('REVOKED');
    expect((await status('deletion', staging)).json.results.status).toBe('REVOKED');
    expect(rows('SELECT count(*) AS n FROM events WHERE token = ?', TOKEN)).toEqual([{ n: 6 }]);
  });

  test('405 once STARTED (and after); 404 for unknown ids; retrievals have no cancel', async () => {
    await start({ gdprStepMs: STEP });
    const id = await createOk('deletion', ['alice']);
    age(id, 2);
    expect((await status('deletion', id)).json.results.status).toBe('STARTED');
    const late = await t.request(`${COLLECTION.deletion}/${id}?token=${TOKEN}`, { method: 'DELETE', headers: AUTH });
    expect(late.status).toBe(405);
    expect(late.json).toEqual({ status: 'error', error: expect.stringMatching(/STARTED/) });
    age(id, 1);
    expect((await status('deletion', id)).json.results.status).toBe('SUCCESS');
    expect((await t.request(`${COLLECTION.deletion}/${id}?token=${TOKEN}`, { method: 'DELETE', headers: AUTH })).status).toBe(405);
    expect((await t.request(`${COLLECTION.deletion}/nope?token=${TOKEN}`, { method: 'DELETE', headers: AUTH })).status).toBe(404);
    expect((await t.request(`${COLLECTION.deletion}/${id}?token=other`, { method: 'DELETE', headers: AUTH })).status).toBe(404);
    const retrieval = await createOk('retrieval', ['alice']);
    expect((await t.request(`${COLLECTION.retrieval}/${retrieval}?token=${TOKEN}`, { method: 'DELETE', headers: AUTH })).status).toBe(405);
  });

  test("the docs' form: DELETE on the collection with {distinct_ids}", async () => {
    await start({ gdprStepMs: STEP });
    const id = await createOk('deletion', ['alice', 'bob']);
    const del = (ids: string[]) => {
      const body = JSON.stringify({ distinct_ids: ids });
      // Node's client sends a DELETE body unframed unless told its length.
      const headers = { ...AUTH, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      return t.request(`${COLLECTION.deletion}/?token=${TOKEN}`, { method: 'DELETE', headers, body });
    };
    expect((await del(['zed'])).status).toBe(404);
    expect((await del(['bob'])).status).toBe(204);
    expect((await status('deletion', id)).json.results.status).toBe('REVOKED');
    expect((await del(['bob'])).status).toBe(405);
  });
});

describe('read API', () => {
  test('GET /api/tasks lists jobs (filterable) with their export links; /api/reset empties it', async () => {
    await start({ gdprStepMs: 0 });
    const d = await createOk('deletion', ['alice']);
    const r = await createOk('retrieval', ['bob'], {}, 'other-project');
    await until('retrieval', r, 'SUCCESS', 'other-project');
    await until('deletion', d, 'SUCCESS');
    const all = (await t.request('/api/tasks')).json.tasks;
    expect(all.map((x: any) => [x.id, x.kind, x.status, x.token])).toEqual([
      [d, 'deletion', 'SUCCESS', TOKEN],
      [r, 'retrieval', 'SUCCESS', 'other-project'],
    ]);
    expect(all[1].url).toMatch(/\/api\/app\/exports\/.+\.json$/);
    expect((await t.request('/api/tasks?kind=retrieval')).json.tasks.map((x: any) => x.id)).toEqual([r]);
    expect((await t.request(`/api/tasks?token=${TOKEN}&status=success`)).json.tasks.map((x: any) => x.id)).toEqual([d]);
    expect((await t.request('/api/tasks/nope')).status).toBe(404);
    await t.reset();
    expect((await t.request('/api/tasks')).json.tasks).toEqual([]);
    expect(fs.existsSync(path.join(t.dir, 'exports'))).toBe(true);
  });
});
