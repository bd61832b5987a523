import zlib from 'node:zlib';
import fc from 'fast-check';
import { mixedItemArb, wire } from './arbitraries';
import { count, startTestCollector, type Reply, type TestCollector } from './helpers';
import { unexcusedSpecErrors, type Kind } from './openapi';

/**
 * 10,000 requests of random and hand-made junk against one running collector: it must answer
 * every one (never a 500, never a dropped connection) and keep only valid rows.
 */
const TOTAL = 10_000;
const CONCURRENCY = 16;
const MAX_BODY = 64 * 1024;
const INGEST = /^\/(track|engage|groups)\/?$/;

interface Junk {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector({ maxBodyBytes: MAX_BODY }, CONCURRENCY);
});
afterAll(() => t.close());

const KINDS: Kind[] = ['track', 'engage', 'groups'];
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Mostly items for the route's own kind, sometimes another route's. */
const payloadArb = (route: Kind): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(route) }, { weight: 1, arbitrary: fc.constantFrom(...KINDS) }).chain((kind) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.array(mixedItemArb[kind], { minLength: 0, maxLength: 6 }) },
      { weight: 2, arbitrary: mixedItemArb[kind] },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    ),
  );

/** The payload as text in one of the wire shapes, or mangled. */
const textArb = (route: Kind): fc.Arbitrary<{ text: string; type?: string }> => fc.tuple(payloadArb(route), fc.nat(), fc.nat()).chain(([payload, n, cut]) => {
  const json = JSON.stringify(wire(payload)) ?? 'null';
  const b64 = Buffer.from(json).toString('base64');
  const shapes: { text: string; type?: string }[] = [
    { text: json, type: 'application/json' },
    { text: json },
    { text: `data=${encodeURIComponent(json)}`, type: FORM_TYPE },
    { text: `data=${encodeURIComponent(b64)}`, type: FORM_TYPE },
    { text: `data=${b64}`, type: 'text/plain;charset=UTF-8' },
    { text: `verbose=1&data=${encodeURIComponent(json)}&ip=1`, type: FORM_TYPE },
    { text: `data=${encodeURIComponent(json).slice(0, cut % (json.length + 6))}`, type: FORM_TYPE },
    { text: json.slice(0, cut % (json.length + 1)), type: 'application/json' },
  ];
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(shapes[n % shapes.length]!) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ text, type: FORM_TYPE })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ text: `data=${text}` })) },
  );
});

const encodingArb = fc.constantFrom('none', 'none', 'none', 'gzip', 'deflate', 'br', 'gzip-lie', 'gzip-truncated', 'compress');

function encode(text: string, encoding: string): { body: Buffer; header?: string } {
  const raw = Buffer.from(text);
  switch (encoding) {
    case 'gzip':
      return { body: zlib.gzipSync(raw), header: 'gzip' };
    case 'deflate':
      return { body: zlib.deflateSync(raw), header: 'deflate' };
    case 'br':
      return { body: zlib.brotliCompressSync(raw), header: 'br' };
    case 'gzip-lie':
      return { body: raw, header: 'gzip' };
    case 'gzip-truncated': {
      const gz = zlib.gzipSync(raw);
      return { body: gz.subarray(0, Math.max(1, gz.length >> 1)), header: 'gzip' };
    }
    case 'compress':
      return { body: raw, header: 'compress' };
    default:
      return { body: raw };
  }
}

const queryArb = fc
  .subarray(['verbose=1', 'verbose=0', 'ip=1', 'ip=0', 'img=1', 'callback=cb', 'callback=%3Cscript%3E', 'strict=1', '_=1790000000000'])
  .map((parts) => (parts.length ? `?${parts.join('&')}` : ''));

const ingestArb: fc.Arbitrary<Junk> = fc
  .tuple(fc.constantFrom(...KINDS), fc.boolean())
  .chain(([kind, slash]) =>
    fc.tuple(
      fc.constant(`/${kind}${slash ? '/' : ''}`),
      queryArb,
      fc.constantFrom('POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'GET', 'GET', 'OPTIONS', 'PUT', 'DELETE', 'HEAD'),
      textArb(kind),
      encodingArb,
    ),
  )
  .map(([path, query, method, { text, type }, encoding]) => {
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      const sep = query ? '&' : '?';
      return { method, path: `${path}${query}${sep}data=${encodeURIComponent(text)}`, headers: {} };
    }
    const { body, header } = encode(text, encoding);
    const headers: Record<string, string> = {};
    if (type) headers['content-type'] = type;
    if (header) headers['content-encoding'] = header;
    return { method, path: `${path}${query}`, headers, body };
  });

const otherArb: fc.Arbitrary<Junk> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(
        '/api/events',
        '/api/events?since=abc',
        '/api/events?limit=-1',
        '/api/events?distinct_id=alice&since=3',
        '/api/profiles/alice',
        '/api/profiles/%ZZ',
        '/api/groups/company/acme',
        '/api/groups/company',
        '/api/requests?path=/track',
        '/',
        '//track',
        '/TRACK',
        '/track/x',
        '/api/reset/x',
        '/%00',
      ),
      fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
    ),
    fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    fc.string({ maxLength: 50 }),
  )
  // /api/reset is left out: it would wipe the tables this test inspects afterwards.
  .filter(([path]) => !/^\/api\/reset\/?(\?|$)/.test(path))
  .map(([path, method, text]) => ({
    method,
    path,
    headers: {},
    ...(method === 'POST' || method === 'DELETE' || method === 'PATCH' ? { body: Buffer.from(text) } : {}),
  }));

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const post = (path: string, body: Buffer, headers: Record<string, string> = {}): Junk => ({ method: 'POST', path, headers, body });
const okEvent = (i: number) => ({ event: 'ok', properties: { token: 't', $insert_id: `hand-${i}` } });

/** Requests a generator is unlikely to produce. */
const handMade: Junk[] = [
  post('/track', Buffer.from('['.repeat(200_00))),
  post('/track', Buffer.from(`[{"event":"deep","properties":{"token":"t","x":${'['.repeat(5000)}${']'.repeat(5000)}}}]`)),
  post('/track', json(Array.from({ length: 2001 }, (_, i) => okEvent(i)))),
  post('/track', json([{ event: 'big', properties: { token: 't', pad: 'x'.repeat(MAX_BODY) } }])),
  post('/track', zlib.gzipSync(Buffer.alloc(4 * MAX_BODY, 0x20)), { 'content-encoding': 'gzip' }),
  post('/track', zlib.gzipSync(Buffer.alloc(4 * MAX_BODY, 0x20)), { 'content-encoding': 'x-gzip' }),
  post('/track', Buffer.from([0xff, 0xfe, 0x00, 0x01])),
  post('/track', Buffer.from('data=%E0%A4%A'), { 'content-type': FORM_TYPE }),
  post('/track', Buffer.from('data=%'), { 'content-type': FORM_TYPE }),
  post('/track', Buffer.from('data='), { 'content-type': FORM_TYPE }),
  post('/track', Buffer.from('data=null'), { 'content-type': FORM_TYPE }),
  post('/track', Buffer.from('data=data=data='), { 'content-type': FORM_TYPE }),
  post('/track', Buffer.from('&&&=&=='), { 'content-type': FORM_TYPE }),
  post('/track', Buffer.from('data=====')),
  post('/track', Buffer.from('\uFEFF[]')),
  post('/track', json([{ event: 'proto', properties: JSON.parse('{"token":"t","__proto__":{"x":1}}') }])),
  post('/engage', Buffer.from('[{"$token":"t","$distinct_id":"p","$set":{"__proto__":{"admin":true}}}]')),
  post('/engage', json([{ $token: 't', $distinct_id: 'p', $add: { n: 1e308 } }, { $token: 't', $distinct_id: 'p', $add: { n: 1e308 } }])),
  post('/engage', json([{ $token: 't', $distinct_id: 'p', $union: { l: [{ a: 1 }, [1], null] } }])),
  post('/engage', json([{ $token: 't', $distinct_id: 'p', $append: { l: 'x'.repeat(10_000) } }])),
  post('/groups', json([{ $token: 't', $group_key: 'k', $group_id: 'g', $delete: null }])),
  post('/track', json({ event: 'x', properties: { token: 't', time: 1e400 } })),
  post('/track', Buffer.from('[{"event":"n","properties":{"token":"t","time":-0,"distinct_id":1e21}}]')),
  post('/track', Buffer.alloc(0), { 'content-encoding': 'gzip' }),
  post('/track', Buffer.alloc(0), { 'content-encoding': 'br' }),
  post('/track', zlib.gzipSync('[]'), { 'content-encoding': 'GZIP' }),
  post('/track', Buffer.concat([zlib.gzipSync(JSON.stringify([okEvent(9001)])), Buffer.from('trailing junk')]), { 'content-encoding': 'gzip' }),
  post('/track', json([okEvent(9002)]), { 'content-encoding': 'identity' }),
  post('/track', json([okEvent(9003)]), { 'content-type': 'multipart/form-data; boundary=x' }),
  { method: 'GET', path: '/track?data=', headers: {} },
  { method: 'GET', path: '/track?data=%7B%7D&data=1', headers: {} },
  { method: 'GET', path: `/track?img=1&data=${'A'.repeat(4000)}`, headers: {} },
  { method: 'GET', path: '/track?callback=a.b.c&data=W10', headers: {} },
];

const requestArb = fc.oneof({ weight: 9, arbitrary: ingestArb }, { weight: 1, arbitrary: otherArb });

const pathnameOf = (path: string) => new URL(`http://x${path}`).pathname;

const ALLOWED = new Set([200, 204, 400, 403, 404, 405, 413]);

function checkReply(junk: Junk, reply: Reply): string | undefined {
  if (!ALLOWED.has(reply.status)) return `status ${reply.status}: ${reply.text.slice(0, 200)}`;
  const type = String(reply.headers['content-type'] ?? '');
  const pathname = pathnameOf(junk.path);
  if (junk.method === 'HEAD') {
    if (reply.text !== '') return 'HEAD answered with a body';
    if (INGEST.test(pathname) && reply.status !== 405) return `HEAD on an ingestion route answered ${reply.status}`;
    return undefined;
  }
  if (reply.status >= 400) {
    if (!type.startsWith('application/json')) return `error without JSON (${type})`;
    const body = reply.json;
    if (body.status !== 0 || typeof body.error !== 'string' || body.error === '') return `bad error body ${reply.text}`;
  }
  if (INGEST.test(pathname) && (junk.method === 'POST' || junk.method === 'GET') && reply.status === 200) {
    const ok =
      reply.text === '1' ||
      type === 'image/gif' ||
      (type.startsWith('text/javascript') && /^[\w$.]+\((1|\{.*\})\);$/.test(reply.text)) ||
      (type.startsWith('application/json') && reply.json.status === 1 && reply.json.error === null);
    if (!ok) return `unexpected success body ${type} ${reply.text.slice(0, 100)}`;
  }
  return undefined;
}

test(`${TOTAL} random and junk requests: always answered, never a crash, only valid rows stored`, async () => {
  const generated = fc.sample(requestArb, { numRuns: TOTAL - handMade.length, seed: 20260823 });
  const all = [...handMade, ...generated];
  expect(all).toHaveLength(TOTAL);

  const problems: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < all.length) {
        const junk = all[next++]!;
        const headers = junk.body ? { ...junk.headers, 'content-length': String(junk.body.length) } : junk.headers;
        try {
          const reply = await t.request(junk.path, { method: junk.method, headers, body: junk.body });
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          const problem = checkReply(junk, reply);
          if (problem) problems.push(`${junk.method} ${junk.path}: ${problem}`);
        } catch (error) {
          problems.push(`${junk.method} ${junk.path}: no answer (${(error as Error).message})`);
        }
      }
    }),
  );
  expect(problems.slice(0, 20)).toEqual([]);
  // Not vacuous: plenty of both outcomes (the seed gives ~1100 successes, ~5000 refusals).
  expect(statuses.get(200) ?? 0).toBeGreaterThan(800);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(2000);
  expect(statuses.get(413) ?? 0).toBeGreaterThanOrEqual(3);

  // Still serving.
  expect((await t.request('/api/events?limit=1')).status).toBe(200);

  // Every request to an ingestion route was logged once; refused ones stored nothing.
  const ingestCount = all.filter((j) => INGEST.test(pathnameOf(j.path))).length;
  expect(count(t, 'requests')).toBe(ingestCount);
  const db = t.collector.db;
  expect(db.prepare('SELECT count(*) FROM requests WHERE status <> 200 AND items <> 0').pluck().get()).toBe(0);
  const trackItems = db.prepare("SELECT sum(items) FROM requests WHERE status = 200 AND path IN ('/track', '/track/')").pluck().get() as number;
  expect(count(t, 'events')).toBeGreaterThan(300);
  expect(count(t, 'events')).toBeLessThanOrEqual(trackItems);

  const invalid: unknown[] = [];
  for (const row of db.prepare('SELECT * FROM events').iterate() as Iterable<any>) {
    const properties = JSON.parse(row.properties);
    const item = { event: row.event, properties };
    const errors = unexcusedSpecErrors('track', item);
    const consistent =
      typeof row.event === 'string' &&
      row.event !== '' &&
      properties !== null &&
      typeof properties === 'object' &&
      !Array.isArray(properties) &&
      typeof properties.token === 'string' &&
      properties.token === row.token &&
      (row.distinct_id === null ? properties.distinct_id === undefined : String(properties.distinct_id) === row.distinct_id) &&
      (row.insert_id === null ? properties.$insert_id === undefined : properties.$insert_id === row.insert_id && /^[A-Za-z0-9-]{1,36}$/.test(row.insert_id)) &&
      (row.time === null ? properties.time === undefined : typeof properties.time === 'number' && properties.time === row.time) &&
      (row.ip === null || row.ip === '127.0.0.1');
    if (errors.length || !consistent) invalid.push({ row, errors });
  }
  for (const table of ['profiles', 'groups']) {
    for (const row of db.prepare(`SELECT * FROM ${table}`).iterate() as Iterable<any>) {
      const properties = JSON.parse(row.properties);
      const idOk = table === 'profiles' ? row.distinct_id !== '' : row.group_key !== '' && row.group_id !== '';
      if (!properties || typeof properties !== 'object' || Array.isArray(properties) || typeof row.token !== 'string' || !idOk) {
        invalid.push({ table, row });
      }
    }
  }
  expect(invalid.slice(0, 5)).toEqual([]);
  expect(count(t, 'profiles')).toBeGreaterThan(10);
  expect(count(t, 'groups')).toBeGreaterThan(5);
});
