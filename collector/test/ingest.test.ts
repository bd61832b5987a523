import zlib from 'node:zlib';
import { FORM, TOKEN, count, event, events, form, startTestCollector, type TestCollector } from './helpers';

let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector({ maxBodyBytes: 256 * 1024 });
});
afterAll(() => t.close());
beforeEach(() => t.reset());

describe('body encodings', () => {
  const cases: [string, () => { body: string | Buffer; headers: Record<string, string> }][] = [
    ['form data= JSON', () => ({ body: form([event('form-json')]), headers: FORM })],
    ['form data= base64 JSON', () => ({ body: form([event('form-b64', { name: 'Zoë ✓' })], 'base64'), headers: FORM })],
    ['form data= single object', () => ({ body: form(event('form-one')), headers: FORM })],
    ['raw JSON array', () => ({ body: JSON.stringify([event('raw-array')]), headers: { 'content-type': 'application/json' } })],
    ['raw JSON single object', () => ({ body: JSON.stringify(event('raw-one')), headers: { 'content-type': 'application/json' } })],
    [
      'gzip raw JSON',
      () => ({
        body: zlib.gzipSync(JSON.stringify([event('gzip-raw')])),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      }),
    ],
    [
      'gzip form',
      () => ({ body: zlib.gzipSync(form([event('gzip-form')])), headers: { ...FORM, 'content-encoding': 'gzip' } }),
    ],
    [
      'deflate raw JSON',
      () => ({ body: zlib.deflateSync(JSON.stringify([event('deflate')])), headers: { 'content-encoding': 'deflate' } }),
    ],
    [
      'form without content type (sendBeacon text/plain)',
      () => ({ body: form([event('beacon')]), headers: { 'content-type': 'text/plain;charset=UTF-8' } }),
    ],
  ];

  test.each(cases)('%s is stored', async (_name, make) => {
    const { body, headers } = make();
    const name = JSON.parse(
      headers['content-encoding'] === 'gzip'
        ? decodeAny(zlib.gunzipSync(body as Buffer).toString())
        : headers['content-encoding'] === 'deflate'
          ? zlib.inflateSync(body as Buffer).toString()
          : decodeAny(body.toString()),
    );
    const expected = (Array.isArray(name) ? name[0] : name).event;
    const reply = await t.post('/track', body, headers);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('1');
    const stored = await events(t);
    expect(stored.map((e) => e.event)).toEqual([expected]);
    if (expected === 'form-b64') expect(stored[0].properties.name).toBe('Zoë ✓');
  });

  test('base64 with unescaped + (decoded to a space by form parsing) still decodes', async () => {
    // '>>>' base64-encodes to 'Pj4+', so the payload's base64 contains a '+'.
    const payload = [event('plus', { s: '>>>>>>' })];
    const b64 = Buffer.from(JSON.stringify(payload)).toString('base64');
    expect(b64).toContain('+');
    const reply = await t.post('/track', `data=${b64}`, FORM);
    expect(reply.status).toBe(200);
    expect((await events(t))[0].properties.s).toBe('>>>>>>');
  });

  test('GET /track?data= (the img/GET fallback) stores the event and img=1 answers a GIF', async () => {
    const reply = await t.request(`/track/?img=1&data=${encodeURIComponent(JSON.stringify(event('via-get')))}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/gif');
    expect(reply.body.subarray(0, 6).toString()).toBe('GIF89a');
    expect((await events(t)).map((e) => e.event)).toEqual(['via-get']);
  });

  test('GET without data= is a 400; HEAD is refused because GET stores data', async () => {
    const get = await t.request('/track');
    expect([get.status, get.json.error]).toEqual([400, 'missing data= query parameter']);
    const head = await t.request(`/track?data=${encodeURIComponent(JSON.stringify(event()))}`, { method: 'HEAD' });
    expect([head.status, head.headers.allow]).toEqual([405, 'POST, GET']);
    expect(count(t, 'events')).toBe(0);
  });

  test('callback= wraps the reply in a JavaScript call, and only for a safe function name', async () => {
    const ok = await t.post('/track?callback=mp.cb_1', form(event()), FORM);
    expect(ok.headers['content-type']).toMatch(/^text\/javascript/);
    expect(ok.text).toBe('mp.cb_1(1);');
    const unsafe = await t.post('/track?callback=alert(1)//', form(event()), FORM);
    expect(unsafe.text).toBe('1');
  });
});

function decodeAny(text: string): string {
  if (!text.startsWith('data=')) return text;
  const data = decodeURIComponent(text.slice(5));
  return data.startsWith('{') || data.startsWith('[') ? data : Buffer.from(data, 'base64').toString();
}

test.each(['/track', '/track/', '/engage', '/engage/', '/groups', '/groups/'])('POST %s is an ingestion route', async (path) => {
  const item = path.startsWith('/track')
    ? event()
    : path.startsWith('/engage')
      ? { $token: TOKEN, $distinct_id: 'u', $set: { a: 1 } }
      : { $token: TOKEN, $group_key: 'company', $group_id: 'acme', $set: { a: 1 } };
  const reply = await t.post(path, form([item]), FORM);
  expect([reply.status, reply.text]).toEqual([200, '1']);
  const logged = (await t.request(`/api/requests?path=${encodeURIComponent(path)}`)).json.requests;
  expect(logged).toEqual([expect.objectContaining({ method: 'POST', path, status: 200, items: 1 })]);
});

describe('replies', () => {
  test('plain 1 without verbose, JSON with verbose=1 (query or form field)', async () => {
    const plain = await t.post('/track', form([event()]), FORM);
    expect(plain.headers['content-type']).toMatch(/^text\/plain/);
    expect(plain.text).toBe('1');
    const verbose = await t.post('/track?verbose=1', form([event()]), FORM);
    expect(verbose.headers['content-type']).toMatch(/^application\/json/);
    expect(verbose.json).toEqual({ status: 1, error: null });
    // mixpanel-python puts verbose and ip in the form body.
    const python = await t.post('/track', form([event()], 'json', '&verbose=1&ip=0'), FORM);
    expect(python.json).toEqual({ status: 1, error: null });
  });

  test('a batch with bad items keeps the good ones; verbose lists the failed indexes', async () => {
    const good1 = event('good-1');
    const good2 = event('good-2');
    const batch = [good1, { event: '', properties: { token: TOKEN } }, good2, { event: 'x', properties: { token: 5 } }, 'junk'];
    const reply = await t.post('/track?verbose=1', form(batch), FORM);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      status: 1,
      error: null,
      failed_records: [
        { index: 1, field: 'event', message: 'event must be a non-empty string' },
        { index: 3, field: 'properties.token', message: 'properties.token must be a string (the project token)' },
        { index: 4, field: '', message: 'item must be an object {event, properties}' },
      ],
    });
    expect((await events(t)).map((e) => e.event)).toEqual(['good-1', 'good-2']);
    const plain = await t.post('/track', form([event('good-3'), {}]), FORM);
    expect([plain.status, plain.text]).toEqual([200, '1']);
  });
});

describe('validation of /track items', () => {
  const bad: [string, unknown, string][] = [
    ['missing properties', { event: 'e' }, 'properties must be an object'],
    ['properties an array', { event: 'e', properties: [] }, 'properties must be an object'],
    ['event not a string', { event: 5, properties: { token: TOKEN } }, 'event must be a non-empty string'],
    ['token missing', { event: 'e', properties: {} }, 'properties.token must be a string (the project token)'],
    ['time a string', { event: 'e', properties: { token: TOKEN, time: '1' } }, 'properties.time must be a number (seconds or ms since epoch)'],
    ['time null', { event: 'e', properties: { token: TOKEN, time: null } }, 'properties.time must be a number (seconds or ms since epoch)'],
    ['$insert_id too long', { event: 'e', properties: { token: TOKEN, $insert_id: 'a'.repeat(37) } }, 'properties.$insert_id must be 1-36 characters of A-Z, a-z, 0-9 and -'],
    ['$insert_id with _', { event: 'e', properties: { token: TOKEN, $insert_id: 'a_b' } }, 'properties.$insert_id must be 1-36 characters of A-Z, a-z, 0-9 and -'],
    ['$insert_id a number', { event: 'e', properties: { token: TOKEN, $insert_id: 7 } }, 'properties.$insert_id must be 1-36 characters of A-Z, a-z, 0-9 and -'],
    ['distinct_id an object', { event: 'e', properties: { token: TOKEN, distinct_id: {} } }, 'properties.distinct_id must be a string or a number'],
    ['extra top-level key', { event: 'e', properties: { token: TOKEN }, time: 1 }, "unexpected key 'time': a /track item has only event and properties"],
  ];
  test.each(bad)('%s is refused with a message', async (_name, item, message) => {
    const reply = await t.post('/track', form([item]), FORM);
    expect(reply.status).toBe(400);
    expect(reply.json.failed_records).toMatchObject([{ index: 0, message }]);
    expect(count(t, 'events')).toBe(0);
  });

  test('accepts a float time, a numeric distinct_id and a 36-character $insert_id', async () => {
    const id = 'A-1'.repeat(12);
    const reply = await t.post('/track?verbose=1', form([event('ok', { time: 1790000000.123, distinct_id: 42, $insert_id: id })]), FORM);
    expect(reply.json).toEqual({ status: 1, error: null });
    const [row] = await events(t);
    expect(row).toMatchObject({ time: 1790000000.123, distinct_id: '42', insert_id: id });
    expect(row.properties.distinct_id).toBe(42);
  });
});

describe('malformed requests: 400 with a JSON error, nothing stored', () => {
  const junk: [string, string | Buffer, Record<string, string>][] = [
    ['empty body', '', {}],
    ['not JSON', '{"event":', { 'content-type': 'application/json' }],
    ['JSON null', 'null', {}],
    ['JSON number', '42', {}],
    ['JSON string', '"track"', {}],
    ['empty array', '[]', {}],
    ['array of junk only', '[1, "x", null, []]', {}],
    ['form without data', 'verbose=1&ip=1', FORM],
    ['form data neither JSON nor base64', 'data=%7Bnot%20json', FORM],
    ['form data base64 of non-JSON', `data=${Buffer.from('hello').toString('base64')}`, FORM],
    ['gzip header on a plain body', JSON.stringify([event()]), { 'content-encoding': 'gzip' }],
    ['truncated gzip', zlib.gzipSync(JSON.stringify([event()])).subarray(0, 20).toString('latin1'), { 'content-encoding': 'gzip' }],
    ['unknown content encoding', JSON.stringify([event()]), { 'content-encoding': 'compress' }],
    ['invalid UTF-8', Buffer.from([0x5b, 0xff, 0xfe, 0x5d]).toString('latin1'), {}],
  ];
  test.each(junk)('%s', async (_name, body, headers) => {
    const buffer = typeof body === 'string' && headers['content-encoding'] === 'gzip' ? Buffer.from(body, 'latin1') : body;
    const reply = await t.post('/track?verbose=1', buffer, headers);
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json.status).toBe(0);
    expect(reply.json.error).toEqual(expect.any(String));
    expect(reply.json.error.length).toBeGreaterThan(10);
    expect(count(t, 'events')).toBe(0);
    const [logged] = (await t.request('/api/requests?path=/track')).json.requests;
    expect(logged).toMatchObject({ status: 400, items: 0, error: reply.json.error });
  });

  test('the error names the problem', async () => {
    expect((await t.post('/track', '[]')).json.error).toBe('payload is an empty array: send at least one item');
    expect((await t.post('/track', '7')).json.error).toBe('payload must be a JSON object or an array of objects');
    expect((await t.post('/track', 'data=@@', FORM)).json.error).toBe('data is neither JSON nor base64-encoded JSON');
    expect((await t.post('/engage', [{ $token: TOKEN, $distinct_id: 'u' }])).json.error).toBe(
      'no valid items: all 1 failed validation (item 0: missing operation: expected exactly one of $set, $set_once, $add, $append, $union, $remove, $unset, $delete)',
    );
  });
});

describe('limits', () => {
  test('2000 items are accepted, 2001 refused with 400 and nothing stored', async () => {
    const batch = Array.from({ length: 2000 }, (_, i) => ({ event: 'bulk', properties: { token: TOKEN, i } }));
    const ok = await t.post('/track', JSON.stringify(batch));
    expect([ok.status, ok.text]).toEqual([200, '1']);
    expect(count(t, 'events')).toBe(2000);
    await t.reset();
    const over = await t.post('/track', JSON.stringify([...batch, batch[0]]));
    expect(over.status).toBe(400);
    expect(over.json).toEqual({ status: 0, error: 'too many items: 2001 in one request, the limit is 2000' });
    expect(count(t, 'events')).toBe(0);
  });

  test('a body above maxBodyBytes gets 413 JSON and the connection stays usable', async () => {
    const big = JSON.stringify([event('big', { pad: 'x'.repeat(300 * 1024) })]);
    const reply = await t.post('/track', big);
    expect(reply.status).toBe(413);
    expect(reply.json).toEqual({ status: 0, error: 'request body exceeds max limit of 262144 bytes' });
    expect(count(t, 'events')).toBe(0);
    // The same keep-alive agent goes on working.
    expect((await t.post('/track', form([event()]), FORM)).status).toBe(200);
  });

  test('the limit applies to the decoded size: a small gzip bomb gets 413', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const reply = await t.post('/track', bomb, { 'content-encoding': 'gzip' });
    expect(reply.status).toBe(413);
    expect(reply.json.status).toBe(0);
  });

  test('a body just under the limit is accepted', async () => {
    // Padding within Mixpanel's per-event limits: lists of 254 strings of 255 characters, then two
    // strings of up to 255 that make the body exactly the limit.
    const target = 256 * 1024;
    const item = event('near-limit', { tail1: '', tail2: '' });
    const props = item.properties as Record<string, unknown>;
    const size = () => JSON.stringify([item]).length;
    let list: string[] = [];
    for (let n = 0; target - size() > 510; n++) {
      if (n % 254 === 0) props[`pad${n / 254}`] = list = [];
      list.push('y'.repeat(255));
    }
    const rest = target - size();
    props.tail1 = 'y'.repeat(Math.min(255, rest));
    props.tail2 = 'y'.repeat(rest - Math.min(255, rest));
    const body = JSON.stringify([item]);
    expect(body.length).toBe(256 * 1024);
    expect((await t.post('/track', body)).status).toBe(200);
  });
});

describe('ip', () => {
  test.each([
    ['?ip=1', '127.0.0.1'],
    ['?ip=0', null],
    ['no ip parameter', null],
  ])('%s records %p', async (label, ip) => {
    const query = label.startsWith('?') ? label : '';
    await t.post(`/track${query}`, form([event()]), FORM);
    expect((await events(t))[0].ip).toBe(ip);
  });

  test('profiles keep the last address sent with ip=1', async () => {
    await t.post('/engage?ip=1', [{ $token: TOKEN, $distinct_id: 'u', $set: { a: 1 } }]);
    await t.post('/engage?ip=0', [{ $token: TOKEN, $distinct_id: 'u', $set: { a: 2 } }]);
    expect((await t.request('/api/profiles/u')).json).toMatchObject({ ip: '127.0.0.1', properties: { a: 2 } });
  });
});

describe('CORS', () => {
  test('the Origin is echoed with credentials on ingestion and read routes', async () => {
    const origin = 'http://localhost:5173';
    const post = await t.post('/track', form([event()]), { ...FORM, origin });
    expect(post.headers['access-control-allow-origin']).toBe(origin);
    expect(post.headers['access-control-allow-credentials']).toBe('true');
    const get = await t.request('/api/events', { headers: { origin } });
    expect(get.headers['access-control-allow-origin']).toBe(origin);
    const logged = (await t.request('/api/requests?path=/track')).json.requests;
    expect(logged[0].origin).toBe(origin);
  });

  test('a preflight gets 204 allowing the methods and headers', async () => {
    const reply = await t.request('/track/', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, content-encoding',
      },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers['access-control-allow-origin']).toBe('http://example.test');
    expect(reply.headers['access-control-allow-credentials']).toBe('true');
    expect(reply.headers['access-control-allow-methods']).toBe('POST, GET, DELETE, OPTIONS');
    expect(reply.headers['access-control-allow-headers']).toBe('Content-Type, Content-Encoding, Authorization');
    expect(reply.text).toBe('');
  });

  test('without an Origin no CORS header is sent', async () => {
    const reply = await t.post('/track', form([event()]), FORM);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('de-duplication on (event, distinct_id, $insert_id)', () => {
  test('a resent event keeps one row with the latest properties', async () => {
    const first = event('Purchase', { $insert_id: 'dup-1', amount: 1 });
    await t.post('/track', form([first]), FORM);
    await t.post('/track', form([{ ...first, properties: { ...first.properties, amount: 2 } }]), FORM);
    const rows = await events(t);
    expect(rows).toHaveLength(1);
    expect(rows[0].properties.amount).toBe(2);
  });

  test('duplicates inside one batch collapse to the last one', async () => {
    const item = event('Purchase', { $insert_id: 'dup-2' });
    const batch = [1, 2, 3].map((n) => ({ ...item, properties: { ...item.properties, n } }));
    await t.post('/track', form(batch), FORM);
    expect((await events(t)).map((e) => e.properties.n)).toEqual([3]);
  });

  test('another event name, distinct_id or $insert_id is another row', async () => {
    const base = { token: TOKEN, distinct_id: 'a', $insert_id: 'same' };
    await t.post('/track', [
      { event: 'x', properties: base },
      { event: 'y', properties: base },
      { event: 'x', properties: { ...base, distinct_id: 'b' } },
      { event: 'x', properties: { ...base, $insert_id: 'other' } },
      { event: 'x', properties: { ...base, distinct_id: undefined } },
      { event: 'x', properties: { token: TOKEN, $insert_id: 'same' } },
    ]);
    // The last two share (x, no distinct_id, same): one row.
    expect(count(t, 'events')).toBe(5);
  });

  test('events without $insert_id are always stored', async () => {
    const item = { event: 'no-id', properties: { token: TOKEN, distinct_id: 'a' } };
    await t.post('/track', [item, item]);
    await t.post('/track', [item]);
    expect(count(t, 'events')).toBe(3);
  });
});

test('the requests table logs every ingestion request, good or bad, and nothing else', async () => {
  await t.post('/track', form([event(), { nope: 1 }]), FORM);
  await t.post('/engage/', '[]');
  await t.request('/track', { method: 'PUT' });
  await t.request('/api/events');
  const rows = (await t.request('/api/requests')).json.requests;
  expect(rows).toEqual([
    expect.objectContaining({ method: 'POST', path: '/track', status: 200, items: 1, error: null }),
    expect.objectContaining({ method: 'POST', path: '/engage/', status: 400, items: 0, bytes: 2 }),
    expect.objectContaining({ method: 'PUT', path: '/track', status: 405 }),
  ]);
  expect(rows[0].bytes).toBeGreaterThan(50);
});
