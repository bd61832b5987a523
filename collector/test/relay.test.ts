/**
 * The relay as a process (the CLI, as `npm run collector -- --relay` runs it) in front of a real
 * collector playing Mixpanel (its own SQLite file, its fault mode), and where a test must see or
 * shape the wire, a wiretap between them. What is asserted is what the browser gets back and what
 * reaches the upstream, counted per request on the wire, not only as de-duplicated rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TOKEN, event, form, startTestCollector, type TestCollector } from './helpers';
import { metric, readMetrics, startRelayProcess, startWiretap, stop, tempDir, upstreamWire, waitFor, type Proc, type Wiretap } from './relay-rig';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const GDPR_TOKEN = 'relay-gdpr-token';

let upstream: TestCollector;
let dir: string;
let relay: Proc | undefined;
let tap: Wiretap | undefined;

beforeAll(async () => {
  upstream = await startTestCollector({ gdprToken: GDPR_TOKEN, gdprStepMs: 20, gdprMinIntervalMs: 0 });
});
afterAll(() => upstream.close());
beforeEach(async () => {
  await upstream.reset();
  dir = tempDir('relay');
});
afterEach(async () => {
  if (relay) await stop(relay);
  await tap?.close();
  relay = undefined;
  tap = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A relay process with quick retries and its info log kept; `args` are CLI flags. */
async function start(args: string[] = [], to = upstream.collector.url): Promise<Proc> {
  relay = await startRelayProcess(dir, to, ['--retry-base-ms', '20', '--retry-max-ms', '100', '--upstream-timeout-ms', '1000', ...args], false);
  return relay;
}

async function tapped(args: string[] = []): Promise<Proc> {
  tap = await startWiretap(upstream.collector.url);
  return start(args, tap.url);
}

const logs = () => relay!.logs();

function send(path: string, body?: string, headers: Record<string, string> = FORM, method = body === undefined ? 'GET' : 'POST') {
  return fetch(`${relay!.url}${path}`, { method, headers, body });
}

/** Wait until the relay has nothing waiting, then return the upstream's wire record. */
async function drained(endpoint = '/track') {
  await waitFor('the spool to drain', async () => {
    const m = await readMetrics(relay!.url);
    return ['track', 'engage', 'groups'].every((e) => metric(m, 'heed_relay_spooled', { endpoint: e }) === 0);
  });
  return upstreamWire(upstream.collector.url, endpoint);
}

/** The spool's `rejected` table, read after the relay stopped. */
async function rejectedRows(columns: string) {
  await stop(relay!);
  const spool = new Database(path.join(dir, 'spool.db'), { readonly: true });
  try {
    return spool.prepare(`SELECT ${columns} FROM rejected ORDER BY id`).all();
  } finally {
    spool.close();
  }
}

const setFault = (fault: unknown) => upstream.post('/api/faults', fault);

describe('accepting what mixpanel-browser and heed send', () => {
  test('form JSON, form base64, raw JSON and GET ?data= on /track, /engage, /groups, with or without the slash', async () => {
    await start();
    const replies = await Promise.all([
      send('/track/?verbose=1&ip=1', form([event('a')])),
      send('/track?ip=1', form([event('b')], 'base64')),
      send('/track', JSON.stringify([event('c')]), { 'content-type': 'application/json' }),
      send(`/track/?data=${encodeURIComponent(JSON.stringify(event('d')))}&verbose=1&_=1790000000000`),
      send('/engage/?verbose=1', form([{ $token: TOKEN, $distinct_id: 'user-1', $set: { plan: 'pro' } }])),
      send('/groups', form([{ $token: TOKEN, $group_key: 'company', $group_id: 'acme', $set: { size: 5 } }])),
    ]);
    expect(await Promise.all(replies.map((r) => r.text()))).toEqual(['{"status":1,"error":null}', '1', '1', '{"status":1,"error":null}', '{"status":1,"error":null}', '1']);
    const wire = await drained();
    expect(wire.events.map((e) => e.event).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(wire.delivered).toBe(4);
    expect(wire.copies).toBe(0);
    expect((await upstream.request('/api/profiles/user-1')).json.properties).toEqual({ plan: 'pro' });
    expect((await upstream.request('/api/groups/company/acme')).json.properties).toEqual({ size: 5 });
  });

  test('the other answers Mixpanel gives: a GIF for img=1, callback(...) for JSONP', async () => {
    await start();
    const gif = await send(`/track/?img=1&data=${encodeURIComponent(JSON.stringify(event()))}`);
    expect([gif.status, gif.headers.get('content-type'), (await gif.arrayBuffer()).byteLength]).toEqual([200, 'image/gif', 42]);
    const jsonp = await send(`/track/?callback=mp.cb&verbose=1&data=${encodeURIComponent(JSON.stringify(event()))}`);
    expect(await jsonp.text()).toBe('mp.cb({"status":1,"error":null});');
    expect((await drained()).delivered).toBe(2);
  });

  test('first-party paths map onto the endpoints (heed’s api_routes); other paths are 404, HEAD is 405', async () => {
    await start(['--route', '/e/=track', '--route', '/p=engage', '--route', '/collect/g/=groups']);
    const replies = await Promise.all([
      send('/e/?verbose=1', form([event('first-party')])),
      send('/e', form([event('no-slash')])),
      send('/p/', form([{ $token: TOKEN, $distinct_id: 'u-p', $set: { a: 1 } }])),
      send('/collect/g', form([{ $token: TOKEN, $group_key: 'k', $group_id: 'g', $set: { b: 2 } }])),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await send('/x/', form([event()]))).status).toBe(404);
    expect((await send('/e/', undefined, {}, 'HEAD')).status).toBe(405);
    expect((await drained()).events.map((e) => e.event).sort()).toEqual(['first-party', 'no-slash']);
    expect((await upstream.request('/api/profiles/u-p')).status).toBe(200);
    expect((await upstream.request('/api/groups/k/g')).status).toBe(200);
  });

  test('the same $insert_id again, in one request or after it was forwarded: answered 200, sent once', async () => {
    await start();
    const one = event('twice');
    expect((await send('/track/', form([one, one]))).status).toBe(200);
    await drained();
    expect((await send('/track/', form([one]))).status).toBe(200);
    const wire = await drained();
    expect(wire.delivered).toBe(1);
    expect(wire.copies).toBe(0);
    const m = await readMetrics(relay!.url);
    expect([metric(m, 'heed_relay_accepted_total', { endpoint: 'track' }), metric(m, 'heed_relay_duplicates_total', { endpoint: 'track' })]).toEqual([1, 2]);
  });
});

describe('refusing at the edge, as the collector does, and counting it', () => {
  test('tokens not on the allow-list: refused per item (failed_records), 400 when nothing is left', async () => {
    await start(['--tokens', TOKEN]);
    const mixed = await send('/track/?verbose=1', form([event('ok'), event('stranger', { token: 'someone-else' })]));
    expect([mixed.status, await mixed.json()]).toEqual([
      200,
      { status: 1, error: null, failed_records: [{ index: 1, message: 'project token not accepted by this relay' }] },
    ]);
    const none = await send('/track/', form([event('x', { token: 'someone-else' })]));
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ status: 0, error: /no valid items: all 1 refused .*token not accepted/ });
    expect((await drained()).events.map((e) => e.event)).toEqual(['ok']);
    const m = await readMetrics(relay!.url);
    expect(metric(m, 'heed_relay_refused_total', { endpoint: 'track', reason: 'token' })).toBe(2);
    expect(metric(m, 'heed_relay_requests_total', { endpoint: 'track', status: '400' })).toBe(1);
  });

  test('the body, item-count and item-size limits; invalid items', async () => {
    await start(['--max-body-bytes', '50000', '--max-item-bytes', '2000']);
    const big = await send('/track/', form(Array.from({ length: 200 }, () => event('x', { pad: 'p'.repeat(250) }))));
    expect([big.status, (await big.json()).error]).toEqual([413, 'request body exceeds max limit of 50000 bytes']);
    const many = await send('/track/', JSON.stringify(Array.from({ length: 2001 }, () => ({}))), { 'content-type': 'application/json' });
    expect([many.status, (await many.json()).error]).toEqual([400, 'too many items: 2001 in one request, the limit is 2000']);
    const sized = await send('/track/?verbose=1', form([event('fits'), event('huge', { a: 'a'.repeat(250), b: 'b'.repeat(250), c: Array(8).fill('c'.repeat(250)) }), { event: '' }]));
    const answer = await sized.json();
    expect(answer.failed_records.map((f: { index: number; message: string }) => [f.index, f.message])).toEqual([
      [1, expect.stringMatching(/^item is \d+ bytes of JSON, the limit is 2000$/)],
      [2, 'event must be a non-empty string'],
    ]);
    expect((await send('/track/', 'data=%%%', FORM)).status).toBe(400);
    expect((await drained()).events.map((e) => e.event)).toEqual(['fits']);
    const m = await readMetrics(relay!.url);
    expect(metric(m, 'heed_relay_refused_total', { endpoint: 'track', reason: 'too_large' })).toBe(1);
    expect(metric(m, 'heed_relay_refused_total', { endpoint: 'track', reason: 'invalid' })).toBe(1);
    expect(metric(m, 'heed_relay_requests_total', { endpoint: 'track', status: '413' })).toBe(1);
  });
});

describe('privacy at the edge', () => {
  test('the visitor’s IP never leaves: ip=0 upstream, ip and $ip properties dropped', async () => {
    await start();
    await send('/track/?ip=1', form([event('with-ip', { ip: '203.0.113.9', $ip: '203.0.113.9' })]), { ...FORM, 'x-forwarded-for': '203.0.113.9' });
    await send('/engage/?ip=1', form([{ $token: TOKEN, $distinct_id: 'ip-user', $ip: '203.0.113.9', $set: { a: 1 } }]));
    const wire = await drained();
    expect(wire.requests.map((r) => r.query)).toEqual(['verbose=1&ip=0']);
    expect(wire.events).toEqual([expect.objectContaining({ event: 'with-ip', ip: null })]);
    expect(wire.events[0]!.properties).not.toHaveProperty('ip');
    expect(wire.events[0]!.properties).not.toHaveProperty('$ip');
    const profile = (await upstream.request('/api/profiles/ip-user')).json;
    expect([profile.ip, profile.properties]).toEqual([null, { a: 1 }]);
  });

  test('no request header of the visitor is forwarded: cookies, auth, user agent, forwarding chain', async () => {
    await tapped();
    const visitor = {
      ...FORM,
      cookie: 'session=secret',
      authorization: 'Bearer visitor',
      'user-agent': 'Mozilla/5.0 (visitor)',
      'x-forwarded-for': '203.0.113.9',
      'x-real-ip': '203.0.113.9',
      referer: 'https://shop.example/cart',
      origin: 'https://shop.example',
    };
    expect((await send('/track/', form([event('headers')]), visitor)).status).toBe(200);
    await drained();
    expect(tap!.seen).toHaveLength(1);
    expect(Object.keys(tap!.seen[0]!.headers).sort()).toEqual(['accept', 'connection', 'content-length', 'content-type', 'host', 'user-agent']);
    expect(tap!.seen[0]!.headers['user-agent']).toBe('heed-relay/0.1');
  });

  test('a country from the trusted load-balancer header is the only location hint', async () => {
    await start(['--country-header', 'CF-IPCountry']);
    await send('/track/', form([event('hinted')]), { ...FORM, 'cf-ipcountry': 'de' });
    await send('/track/', form([event('unknown')]), { ...FORM, 'cf-ipcountry': 'XX' });
    await send('/track/', form([event('own', { mp_country_code: 'FR' })]), { ...FORM, 'cf-ipcountry': 'DE' });
    await send('/track/', form([event('none')]));
    const codes = Object.fromEntries((await drained()).events.map((e) => [e.event, e.properties.mp_country_code ?? null]));
    expect(codes).toEqual({ hinted: 'DE', unknown: null, own: 'FR', none: null });
  });
});

describe('forwarding', () => {
  test('what piled up goes in batches of at most batchItems and batchBytes, oldest first', async () => {
    await setFault({ mode: '500' });
    await start(['--batch-items', '700', '--batch-bytes', String(64 * 1024)]);
    for (let r = 0; r < 4; r++) {
      const batch = Array.from({ length: 500 }, (_, i) => event('pile', { n: r * 500 + i }));
      expect((await send('/track/', form(batch))).status).toBe(200);
    }
    await upstream.request('/api/faults', { method: 'DELETE' });
    const wire = await drained();
    const ok = wire.requests.filter((r) => r.status === 200);
    expect(ok.every((r) => r.items <= 700 && r.bytes <= 64 * 1024)).toBe(true);
    expect(ok.some((r) => r.bytes > 48 * 1024)).toBe(true);
    expect(wire.delivered).toBe(2000);
    expect(wire.copies).toBe(0);
    expect(wire.events.map((e) => e.properties.n)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  test('413: the batch is split and the smaller size is kept; a single item too large for the upstream is rejected, kept', async () => {
    await start();
    await setFault({ mode: '413', maxBytes: 20_000 });
    const items = Array.from({ length: 200 }, (_, i) => event('split', { n: i, pad: 'x'.repeat(100) }));
    await send('/track/', form(items));
    const wire = await drained();
    expect(wire.delivered).toBe(200);
    expect(wire.copies).toBe(0);
    expect(wire.requests.filter((r) => r.status === 200).every((r) => r.bytes <= 20_000)).toBe(true);
    expect(logs().find((l) => String(l.msg).startsWith('upstream refused a batch as too large'))).toMatchObject({ endpoint: 'track', nowAtMost: expect.any(Number) });

    await setFault({ mode: '413', maxBytes: 100 });
    await send('/track/', form([event('alone-too-big')]));
    await drained();
    const m = await readMetrics(relay!.url);
    expect(metric(m, 'heed_relay_rejected_total', { endpoint: 'track', status: '413' })).toBe(1);
    expect(metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: '413' })).toBeGreaterThan(1);
    expect(metric(m, 'heed_relay_retries_total', { endpoint: 'track' })).toBe(0);
    expect(await rejectedRows("endpoint, status, json_extract(item, '$.event') AS event")).toEqual([{ endpoint: 'track', status: 413, event: 'alone-too-big' }]);
  });

  test('429 with Retry-After: the relay waits as told, then delivers', async () => {
    await setFault({ mode: '429', count: 2, retryAfter: 1 });
    await start();
    await send('/track/', form([event('patient')]));
    const wire = await drained();
    const at = wire.requests.map((r) => r.at);
    expect(wire.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(950);
    const m = await readMetrics(relay!.url);
    expect(metric(m, 'heed_relay_retries_total', { endpoint: 'track' })).toBe(2);
    expect(metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: '429' })).toBe(2);
  });

  test('500, no answer (timeout) and a reset are retried with backoff; after the failure one item probes', async () => {
    await start(['--upstream-timeout-ms', '300']);
    for (const fault of [{ mode: '500', count: 2 }, { mode: 'hang', count: 1 }, { mode: 'reset', count: 1 }]) {
      await setFault(fault);
      await send('/track/', form(Array.from({ length: 20 }, () => event(`after-${fault.mode}`))));
      await drained();
    }
    const wire = await upstreamWire(upstream.collector.url);
    expect(wire.delivered).toBe(60);
    expect(wire.copies).toBe(0);
    const failing = wire.requests.filter((r) => r.status !== 200);
    expect(failing.map((r) => [r.status, r.items])).toEqual([[500, 0], [500, 0], [0, 0], [0, 0]]);
    // After a failure the next attempt is a probe of one item; its success brings back full batches.
    expect(failing[1]!.bytes).toBeLessThan(failing[0]!.bytes / 10);
    expect(wire.requests.filter((r) => r.status === 200).map((r) => r.items)).toEqual([1, 19, 1, 19, 1, 19]);
    const m = await readMetrics(relay!.url);
    expect([
      metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: '500' }),
      metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: 'timeout' }),
      metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: 'network' }),
      metric(m, 'heed_relay_retries_total', { endpoint: 'track' }),
      metric(m, 'heed_relay_forwarded_total', { endpoint: 'track' }),
    ]).toEqual([2, 1, 1, 4, 60]);
    expect(logs().filter((l) => l.msg === 'upstream recovered')).toHaveLength(3);
  });

  test('an upstream refusal for good: 400 isolates the bad item by halving, 403 is never retried; both are kept', async () => {
    await tapped();
    tap!.respond = (r) => (r.body.includes('poison') ? { status: 400, body: '{"status":0,"error":"poisoned"}' } : undefined);
    const items = Array.from({ length: 8 }, (_, i) => event(i === 5 ? 'poison' : 'good', { n: i }));
    await send('/track/', form(items));
    expect((await drained()).events.map((e) => e.properties.n)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    tap!.respond = () => ({ status: 403, body: '{"error":"forbidden","status":"error"}' });
    await send('/track/', form([event('forbidden')]));
    await drained();
    tap!.respond = () => ({ status: 200, body: '{"status":1,"error":null,"failed_records":[{"index":1,"message":"time too old"}]}' });
    await send('/track/', form([event('kept-a'), event('dropped-b'), event('kept-c')]));
    await drained();
    const m = await readMetrics(relay!.url);
    expect([
      metric(m, 'heed_relay_rejected_total', { endpoint: 'track', status: '400' }),
      metric(m, 'heed_relay_rejected_total', { endpoint: 'track', status: '403' }),
      metric(m, 'heed_relay_rejected_total', { endpoint: 'track', status: '200' }),
      metric(m, 'heed_relay_forwarded_total', { endpoint: 'track' }),
      metric(m, 'heed_relay_retries_total', { endpoint: 'track' }),
    ]).toEqual([1, 1, 1, 9, 0]);
    expect(await rejectedRows("status, error, json_extract(item, '$.event') AS event")).toEqual([
      { status: 400, error: 'poisoned', event: 'poison' },
      { status: 403, error: 'forbidden', event: 'forbidden' },
      { status: 200, error: 'time too old', event: 'dropped-b' },
    ]);
  });
});

describe('operations', () => {
  test('/healthz stays 200 while the upstream fails (the spool holds the items); /metrics says what waits and for how long', async () => {
    await setFault({ mode: '500' });
    await start();
    await send('/track/', form([event('waiting'), event('waiting')]));
    await waitFor('a failed attempt', async () => metric(await readMetrics(relay!.url), 'heed_relay_upstream_up', { endpoint: 'track' }) === 0);
    const health = await fetch(`${relay!.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', upstream: 'failing', spooled: 2 }]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const m = await readMetrics(relay!.url);
    expect(metric(m, 'heed_relay_spooled', { endpoint: 'track' })).toBe(2);
    expect(metric(m, 'heed_relay_oldest_spooled_age_seconds', { endpoint: 'track' })).toBeGreaterThanOrEqual(1);
    expect(metric(m, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    await upstream.request('/api/faults', { method: 'DELETE' });
    await drained();
    const after = await readMetrics(relay!.url);
    expect([metric(after, 'heed_relay_oldest_spooled_age_seconds', { endpoint: 'track' }), metric(after, 'heed_relay_upstream_up', { endpoint: 'track' })]).toEqual([0, 1]);
    expect(await (await fetch(`${relay!.url}/healthz`)).json()).toEqual({ status: 'ok', upstream: 'up', spooled: 0 });
  });

  test('structured logs: a line per event worth logging, none per request', async () => {
    await setFault({ mode: '500', count: 1 });
    await start();
    for (let i = 0; i < 5; i++) await send('/track/', form([event('quiet')]));
    await drained();
    expect(logs().map((l) => [l.level, l.msg])).toEqual([
      ['info', 'relay started'],
      ['warn', 'no token allow-list: items of every project token are forwarded (set tokens / --tokens)'],
      ['info', `heed relay listening on ${relay!.url}`],
      ['warn', 'upstream request failed, will retry'],
      ['info', 'upstream recovered'],
    ]);
    expect(logs()[3]).toMatchObject({ endpoint: 'track', error: 'HTTP 500', attempt: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  test('SIGTERM: the batch in flight is finished and settled, then the spool is closed', async () => {
    await tapped();
    tap!.delayMs = 600;
    await send('/track/', form(Array.from({ length: 30 }, () => event('in-flight'))));
    await waitFor('the batch to be in flight', () => tap!.seen.length === 1);
    expect(await stop(relay!)).toBe(0);
    expect((await upstreamWire(upstream.collector.url)).delivered).toBe(30);
    // Checkpointed into the main file and closed: the WAL is gone.
    expect(fs.existsSync(path.join(dir, 'spool.db-wal'))).toBe(false);
    expect(logs().at(-1)).toMatchObject({ msg: 'relay stopped', spooled: 0 });
    // Settled for good: started again on the same spool, the relay sends nothing twice.
    await start();
    expect(logs().find((l) => l.msg === 'relay started')).toMatchObject({ waiting: { track: 0, engage: 0, groups: 0 } });
    await send('/track/', form([event('after-restart')]));
    expect((await drained()).delivered).toBe(31);
  });
});

describe('the GDPR API through the relay', () => {
  const gdpr = (path: string, init: RequestInit = {}) =>
    fetch(`${relay!.url}/api/app${path}`, { ...init, headers: { authorization: `Bearer ${GDPR_TOKEN}`, 'content-type': 'application/json', ...init.headers } });

  test('requests pass through to the upstream’s GDPR API with the bearer token; ingestion never carries it', async () => {
    await tapped();
    const created = await gdpr(`/data-retrievals/v3.0?token=${TOKEN}`, { method: 'POST', body: JSON.stringify({ distinct_ids: ['someone'] }) });
    expect(created.status).toBe(201);
    const { task_id: id } = (await created.json()).results;
    const state = await waitFor('the export', async () => {
      const body = await (await gdpr(`/data-retrievals/v3.0/${id}?token=${TOKEN}`)).json();
      return body.results.status === 'SUCCESS' && body;
    });
    expect(state.results.results).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${upstream.collector.port}/api/app/exports/`));
    const denied = await gdpr(`/data-deletions/v3.0?token=${TOKEN}`, { method: 'POST', body: '{"distinct_ids":["x"]}', headers: { authorization: 'Bearer wrong' } });
    expect([denied.status, await denied.json()]).toEqual([401, { status: 'error', error: 'invalid GDPR OAuth token' }]);
    await send('/track/', form([event('no-bearer')]), { ...FORM, authorization: `Bearer ${GDPR_TOKEN}` });
    await drained();
    const carried = tap!.seen.map((r) => [r.url.split('/').slice(0, 4).join('/'), r.headers.authorization]);
    expect(new Set(carried.map(([where, auth]) => `${where} ${auth}`))).toEqual(
      new Set([`/api/app/data-retrievals Bearer ${GDPR_TOKEN}`, '/api/app/data-deletions Bearer wrong', '/track/?verbose=1&ip=0 undefined']),
    );
  });

  test('a created deletion purges the person’s waiting items (their device’s anonymous ones too); the rest still goes', async () => {
    await setFault({ mode: '500' });
    await start();
    await send('/track/', form([event('anon', { distinct_id: '$device:d-1', $device_id: 'd-1' }), event('bob-1', { distinct_id: 'bob' })]));
    await send('/track/', form([event('alice', { distinct_id: 'alice', $user_id: 'alice', $device_id: 'd-1' })]));
    await send('/engage/', form([{ $token: TOKEN, $distinct_id: 'alice', $set: { email: 'alice@example.com' } }]));
    const created = await gdpr(`/data-deletions/v3.0?token=${TOKEN}`, { method: 'POST', body: JSON.stringify({ distinct_ids: ['alice'] }) });
    expect([created.status, created.headers.get('x-heed-relay-purged')]).toEqual([201, '3']);
    const m = await readMetrics(relay!.url);
    expect([metric(m, 'heed_relay_purged_total'), metric(m, 'heed_relay_spooled', { endpoint: 'track' }), metric(m, 'heed_relay_spooled', { endpoint: 'engage' })]).toEqual([3, 1, 0]);
    expect(logs().find((l) => String(l.msg).startsWith('GDPR deletion created upstream'))).toMatchObject({ people: 1, items: 3 });
    await upstream.request('/api/faults', { method: 'DELETE' });
    const wire = await drained();
    expect(wire.events.map((e) => e.event)).toEqual(['bob-1']);
    expect((await upstream.request('/api/profiles/alice')).status).toBe(404);
    const refused = await gdpr(`/data-deletions/v3.0?token=${TOKEN}`, { method: 'POST', body: '{"distinct_ids":["bob"]}', headers: { authorization: 'Bearer wrong' } });
    expect([refused.status, refused.headers.get('x-heed-relay-purged')]).toEqual([401, null]);
  });

  test('an unreachable GDPR upstream is a 502 in the API’s error shape', async () => {
    await start(['--gdpr-upstream', 'http://127.0.0.1:1/api/app']);
    const reply = await gdpr(`/data-deletions/v3.0?token=${TOKEN}`, { method: 'POST', body: '{"distinct_ids":["x"]}' });
    expect([reply.status, await reply.json()]).toEqual([502, { status: 'error', error: 'the GDPR API upstream did not answer (network)' }]);
  });
});
