/**
 * The relay's parts on their own: the retry decision, option and CLI parsing, the edge rules,
 * the metrics text, and the spool on a real SQLite file (durability across reopen, order,
 * de-duplication, rejection, purge).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UsageError, isRelayCommand, parseRelayArgs } from '../src/args.js';
import { batchBuilder } from '../src/relay/batch.js';
import { admit, type EdgeRules } from '../src/relay/edge.js';
import { groupCommit } from '../src/relay/group-commit.js';
import { createMetrics, parseMetrics } from '../src/relay/metrics.js';
import { RelayConfigError, resolveOptions } from '../src/relay/options.js';
import { RETRY_AFTER_CAP_MS, parseRetryAfter, retryDelay } from '../src/relay/retry.js';
import { openStore, type SpoolRow, type SpoolStore } from '../src/relay/spool-store.js';
import { tempDir } from './relay-rig';

describe('retryDelay: the one retry decision', () => {
  const backoff = { baseMs: 1000, maxMs: 30_000 };

  test.each([400, 401, 403, 404, 413, 422])('HTTP %i is never retried', (status) => {
    expect(retryDelay({ status }, 0, backoff)).toBeUndefined();
  });

  test('Retry-After wins over the backoff, capped at 10 minutes', () => {
    expect(retryDelay({ status: 429, retryAfterMs: 7000 }, 9, backoff, () => 0.5)).toBe(7000);
    expect(retryDelay({ status: 503, retryAfterMs: 0 }, 3, backoff)).toBe(0);
    expect(retryDelay({ status: 429, retryAfterMs: 3_600_000 }, 0, backoff)).toBe(RETRY_AFTER_CAP_MS);
  });

  test('5xx, 408, 429 and network errors: full jitter, doubling from baseMs, never above maxMs', () => {
    for (const failure of [{ status: 500 }, { status: 503 }, { status: 408 }, { status: 429 }, {}]) {
      expect(retryDelay(failure, 0, backoff, () => 1)).toBe(1000);
      expect(retryDelay(failure, 3, backoff, () => 1)).toBe(8000);
      expect(retryDelay(failure, 3, backoff, () => 0.25)).toBe(2000);
      expect(retryDelay(failure, 40, backoff, () => 1)).toBe(30_000);
      expect(retryDelay(failure, 40, backoff, () => 0)).toBe(0);
    }
  });

  test('Retry-After: seconds or an HTTP date, else nothing', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['2'], now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('relay options', () => {
  test('regions are Mixpanel ingestion and GDPR hosts; a URL gets its GDPR API at /api/app', () => {
    expect(resolveOptions({ upstream: 'eu', spool: 's.db' })).toMatchObject({
      upstream: new URL('https://api-eu.mixpanel.com'),
      gdprUpstream: new URL('https://eu.mixpanel.com/api/app'),
      batchItems: 2000,
      batchBytes: 2 * 1024 * 1024,
      retry: { baseMs: 1000, maxMs: 30_000 },
      dedupeWindowMs: 600_000,
    });
    expect(resolveOptions({ upstream: 'in', spool: 's.db' }).gdprUpstream.href).toBe('https://in.mixpanel.com/api/app');
    expect(resolveOptions({ upstream: 'http://127.0.0.1:9/base/', spool: 's.db' }).gdprUpstream.href).toBe('http://127.0.0.1:9/base/api/app');
  });

  test.each([
    [{ upstream: 'mars' }, /upstream must be 'us', 'eu', 'in' or an http\(s\) URL/],
    [{ upstream: 'ftp://x' }, /upstream must be/],
    [{ upstream: 'http://x/?q=1' }, /without query/],
    [{ spool: ':memory:' }, /would lose what the relay accepted/],
    [{ batchItems: 2001 }, /batchItems must be an integer from 1 to 2000/],
    [{ batchBytes: 10 }, /batchBytes must be an integer from 1024/],
    [{ routes: { '/api/x': 'track' } }, /taken by the relay itself/],
    [{ routes: { '/track/': 'track' } }, /taken by the relay itself/],
    [{ routes: { 'e/': 'track' } }, /must be a path like \/e\//],
    [{ routes: { '/e/': 'events' } }, /must map to track, engage or groups/],
    [{ tokens: [] }, /non-empty list/],
    [{ retry: { maxMs: 0 } }, /retry.maxMs must be an integer from 1/],
  ])('%j is refused loudly', (override, message) => {
    expect(() => resolveOptions({ upstream: 'us', spool: 's.db', ...override } as never)).toThrow(RelayConfigError);
    expect(() => resolveOptions({ upstream: 'us', spool: 's.db', ...override } as never)).toThrow(message);
  });
});

describe('relay CLI arguments', () => {
  const cwd = '/srv/site';

  test('--relay or --upstream switch the CLI to relay mode', () => {
    expect(isRelayCommand(['--relay', 'eu'])).toBe(true);
    expect(isRelayCommand(['--upstream=http://x'])).toBe(true);
    expect(isRelayCommand(['--port', '1', '--db', ':memory:'])).toBe(false);
  });

  test('defaults: port 8787, ./.heed/relay-spool.db, info logs; the API keeps its own defaults', () => {
    expect(parseRelayArgs(['--relay', 'eu'], {}, cwd)).toEqual({
      upstream: 'eu',
      spool: '/srv/site/.heed/relay-spool.db',
      port: 8787,
      host: '127.0.0.1',
      routes: {},
      log: 'info',
    });
  });

  test('every flag, the token list from the environment', () => {
    const argv = [
      '--upstream', 'http://127.0.0.1:9000', '--gdpr-upstream', 'http://127.0.0.1:9001/api/app', '--port', '0', '--host', '0.0.0.0',
      '--spool', 'var/spool.db', '--route', '/e/=track', '--route', '/p/=engage', '--route', '/g/=groups',
      '--country-header', 'CF-IPCountry', '--max-body-bytes', '1000', '--max-item-bytes', '500', '--batch-items', '100',
      '--batch-bytes', '65536', '--dedupe-window-ms', '0', '--upstream-timeout-ms', '2000', '--retry-base-ms', '10', '--retry-max-ms', '50', '--quiet',
    ];
    expect(parseRelayArgs(argv, { HEED_RELAY_TOKENS: 'tok-a, tok-b' }, cwd)).toEqual({
      upstream: 'http://127.0.0.1:9000',
      gdprUpstream: 'http://127.0.0.1:9001/api/app',
      port: 0,
      host: '0.0.0.0',
      spool: '/srv/site/var/spool.db',
      routes: { '/e/': 'track', '/p/': 'engage', '/g/': 'groups' },
      tokens: ['tok-a', 'tok-b'],
      countryHeader: 'CF-IPCountry',
      maxBodyBytes: 1000,
      maxItemBytes: 500,
      batchItems: 100,
      batchBytes: 65536,
      dedupeWindowMs: 0,
      upstreamTimeoutMs: 2000,
      retry: { baseMs: 10, maxMs: 50 },
      log: 'warn',
    });
    expect(parseRelayArgs(['--relay', 'us', '--tokens', 'x'], { HEED_RELAY_TOKENS: 'y' }, cwd)).toMatchObject({ tokens: ['x'] });
  });

  test.each([
    [['--relay', 'mars'], "--relay is us, eu or in, got 'mars'"],
    [['--relay', 'eu', '--upstream', 'http://x'], 'give --relay or --upstream, not both'],
    [['--relay', 'eu', '--static', '/=pages'], /Unknown option '--static' \(in relay mode\)/],
    [['--relay', 'eu', '--route', '/e/'], "--route expects path=track|engage|groups, got '/e/'"],
    [['--relay', 'eu', '--route', '/e/=people'], /--route expects/],
    [['--relay', 'eu', '--batch-items', 'many'], "--batch-items must be a non-negative integer, got 'many'"],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseRelayArgs(argv as string[], {}, cwd)).toThrow(UsageError);
    expect(() => parseRelayArgs(argv as string[], {}, cwd)).toThrow(message);
  });
});

describe('admit: privacy and limits at the edge', () => {
  const rules: EdgeRules = { tokens: undefined, maxItemBytes: 10_000, maxEncodedBytes: 20_000 };
  const event = (properties: Record<string, unknown>) => ({ event: 'e', properties: { token: 't', distinct_id: 'd', $insert_id: 'i-1', ...properties } });

  test('an event loses its ip properties and becomes the JSON the upstream gets', () => {
    const result = admit('track', event({ ip: '203.0.113.9', $ip: '203.0.113.9', $user_id: 'u', $device_id: 'dev' }), undefined, rules);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.parse(result.row.item)).toEqual({ event: 'e', properties: { token: 't', distinct_id: 'd', $insert_id: 'i-1', $user_id: 'u', $device_id: 'dev' } });
    expect(result.row.dedupe).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test('the de-duplication key is Mixpanel’s identity of an event: token, distinct_id, event, $insert_id', () => {
    const key = (e: unknown) => {
      const r = admit('track', e, undefined, rules);
      return r.ok ? r.row.dedupe : undefined;
    };
    expect(key(event({ time: 1 }))).toBe(key(event({ time: 2, other: true })));
    expect(key(event({ distinct_id: 'other' }))).not.toBe(key(event({})));
    expect(key({ ...event({}), event: 'f' })).not.toBe(key(event({})));
    expect(key(event({ $insert_id: undefined }))).toBeNull();
  });

  test('a country hint from the trusted header is added only where the event has none', () => {
    const with_ = admit('track', event({}), 'DE', rules);
    const own = admit('track', event({ mp_country_code: 'FR' }), 'DE', rules);
    expect(with_.ok && JSON.parse(with_.row.item).properties.mp_country_code).toBe('DE');
    expect(own.ok && JSON.parse(own.row.item).properties.mp_country_code).toBe('FR');
  });

  test('strings are cut to 255 characters as mixpanel-js does, never halving a surrogate pair', () => {
    const long = 'x'.repeat(254) + '😀' + 'y'.repeat(10);
    const result = admit('track', event({ long, nested: { list: ['z'.repeat(300)] } }), undefined, rules);
    if (!result.ok) throw new Error(result.message);
    const { properties } = JSON.parse(result.row.item);
    expect(properties.long).toBe('x'.repeat(254));
    expect(properties.nested.list[0]).toHaveLength(255);
  });

  test('profile and group updates lose $ip; the person is $distinct_id', () => {
    const result = admit('engage', { $token: 't', $distinct_id: 'u', $ip: '203.0.113.9', $device_id: 'dev', $set: { a: 1 } }, undefined, rules);
    expect(result.ok && JSON.parse(result.row.item)).toEqual({ $token: 't', $distinct_id: 'u', $device_id: 'dev', $set: { a: 1 } });
    expect(result).toMatchObject({ row: { dedupe: null } });
    const group = admit('groups', { $token: 't', $group_key: 'co', $group_id: 1, $set: { n: 1 } }, undefined, rules);
    expect(group).toMatchObject({ ok: true, row: { dedupe: null } });
  });

  test('refusals name the reason: invalid, a token not on the allow-list, too large', () => {
    expect(admit('track', { event: '', properties: {} }, undefined, rules)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(admit('engage', { $token: 't', $distinct_id: 'u' }, undefined, rules)).toMatchObject({ ok: false, reason: 'invalid', message: /missing operation/ });
    expect(admit('track', event({}), undefined, { ...rules, tokens: new Set(['other']) })).toMatchObject({ ok: false, reason: 'token' });
    expect(admit('track', event({ blob: Array(50).fill('q'.repeat(250)) }), undefined, rules)).toMatchObject({ ok: false, reason: 'too_large', message: /bytes of JSON/ });
    const quoted = event({ q: Array(30).fill('"'.repeat(250)) });
    expect(admit('track', quoted, undefined, { ...rules, maxItemBytes: 1_000_000 })).toMatchObject({ ok: false, reason: 'too_large', message: /form-encoded/ });
  });
});

describe('metrics', () => {
  test('the Prometheus text format, read back by parseMetrics', () => {
    const metrics = createMetrics();
    metrics.inc('heed_relay_accepted_total', { endpoint: 'track' }, 5);
    metrics.inc('heed_relay_upstream_errors_total', { endpoint: 'track', status: '429' });
    metrics.inc('heed_relay_upstream_errors_total', { endpoint: 'track', status: '429' });
    const text = metrics.render([{ name: 'heed_relay_spooled', help: 'Items waiting.', samples: [{ labels: { endpoint: 'a"b\\c' }, value: 3 }] }]);
    expect(text).toContain('# TYPE heed_relay_accepted_total counter\n');
    expect(text).toContain('# HELP heed_relay_spooled Items waiting.\n# TYPE heed_relay_spooled gauge\nheed_relay_spooled{endpoint="a\\"b\\\\c"} 3\n');
    const parsed = parseMetrics(text);
    expect(parsed.get('heed_relay_accepted_total{endpoint="track"}')).toBe(5);
    expect(parsed.get('heed_relay_accepted_total{endpoint="engage"}')).toBe(0);
    expect(parsed.get('heed_relay_upstream_errors_total{endpoint="track",status="429"}')).toBe(2);
    expect(metrics.value('heed_relay_upstream_errors_total', { status: '429', endpoint: 'track' })).toBe(2);
  });
});

describe('batchBuilder: one upstream request body', () => {
  const rows = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: from + i, item: JSON.stringify({ event: 'e', properties: { n: from + i } }) }));
  const decode = (body: string) => JSON.parse(decodeURIComponent(body.replace(/^data=/, '')));

  test('mixpanel-js’s form body, chunk by chunk, up to the item limit', () => {
    const builder = batchBuilder(5, 1_000_000);
    expect(builder.add(rows(3))).toBe(true);
    expect(builder.room()).toBe(2);
    expect(builder.add(rows(3, 4))).toBe(false);
    const batch = builder.batch()!;
    expect(batch.ids).toEqual([1, 2, 3, 4, 5]);
    expect(decode(batch.body).map((e: { properties: { n: number } }) => e.properties.n)).toEqual([1, 2, 3, 4, 5]);
  });

  test('never above the byte limit, except one item alone; nothing to send is undefined', () => {
    const one = `data=${encodeURIComponent(`[${rows(1)[0]!.item}]`)}`.length;
    const builder = batchBuilder(100, one * 3);
    builder.add(rows(10));
    expect(builder.batch()!.body.length).toBeLessThanOrEqual(one * 3);
    expect(builder.batch()!.ids.length).toBe(3);
    const tight = batchBuilder(100, 10);
    expect(tight.add(rows(2))).toBe(false);
    expect(tight.batch()!.ids).toEqual([1]);
    expect(batchBuilder(10, 100).batch()).toBeUndefined();
  });
});

describe('groupCommit', () => {
  test('writes asked for in one turn share one commit and one sync; each caller waits for the sync', async () => {
    const commits: number[][] = [];
    let synced = 0;
    let release: () => void = () => undefined;
    const commit = groupCommit<number, number>(
      (inputs) => {
        commits.push(inputs);
        return inputs.map((n) => n * 10);
      },
      () => new Promise<void>((resolve) => (release = () => (synced++, resolve()))),
    );
    let answered = false;
    const all = Promise.all([commit(1), commit(2), commit(3)]).then((r) => ((answered = true), r));
    await new Promise((resolve) => setImmediate(resolve));
    expect(commits).toEqual([[1, 2, 3]]);
    expect(answered).toBe(false);
    release();
    expect(await all).toEqual([10, 20, 30]);
    expect(synced).toBe(1);
  });

  test('a failed commit rejects every caller of that turn, and only them', async () => {
    let fail = true;
    const commit = groupCommit<number, number>(
      (inputs) => {
        if (fail) throw new Error('disk full');
        return inputs;
      },
      () => Promise.resolve(),
    );
    const failed = [commit(1), commit(2)].map((p) => p.catch((e: Error) => e.message));
    expect(await Promise.all(failed)).toEqual(['disk full', 'disk full']);
    fail = false;
    expect(await commit(3)).toBe(3);
  });
});

describe('the spool store (a real SQLite file)', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('spool')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = () => path.join(dir, 'spool.db');
  const open = (dedupeWindowMs = 60_000) => openStore(file(), { dedupeWindowMs });
  /** A /track row whose item carries `n` (and any properties given); key `k<n>`. */
  const row = (n: number, properties: Record<string, unknown> = {}, dedupe: string | null = `k${n}`): SpoolRow => ({
    dedupe,
    item: JSON.stringify({ event: 'e', properties: { token: 't', distinct_id: `u${n % 2}`, n, ...properties } }),
  });
  const numbers = (rows: Array<{ item: string }>) => rows.map((r) => JSON.parse(r.item).properties?.n ?? JSON.parse(r.item).n);
  const append = (store: SpoolStore, endpoint: 'track' | 'engage', rows: SpoolRow[]) => store.appendAll([{ endpoint, rows }])[0]!;

  test('one commit for several requests keeps their order; it is on disk after sync() and survives a reopen', async () => {
    const store = open();
    const results = store.appendAll([
      { endpoint: 'track', rows: [row(1), row(2)] },
      { endpoint: 'track', rows: [row(3)] },
      { endpoint: 'engage', rows: [row(4, {}, null)] },
    ]);
    await store.sync();
    expect(results.map((r) => r.added)).toEqual([2, 1, 1]);
    store.close();
    const again = open();
    expect(numbers(again.peek('track', 0, 10))).toEqual([1, 2, 3]);
    expect(again.waiting()).toEqual({
      track: { count: 3, oldestAt: expect.any(Number) },
      engage: { count: 1, oldestAt: expect.any(Number) },
      groups: { count: 0, oldestAt: null },
    });
    again.close();
  });

  test('a key is taken once while waiting and within the window after forwarding, also after a reopen', () => {
    const store = open();
    expect(append(store, 'track', [row(1), row(1), row(2)])).toEqual({ added: 2, duplicates: 1 });
    const [first, second] = store.peek('track', 0, 10);
    store.settle('track', second!.id);
    expect(first!.id).toBeLessThan(second!.id);
    expect(append(store, 'track', [row(1)])).toEqual({ added: 0, duplicates: 1 });
    expect(store.prune('track', 100)).toBe(2); // the rows go; their keys stay, in `forwarded`
    store.close();
    const again = open();
    expect(append(again, 'track', [row(2), row(3)])).toEqual({ added: 1, duplicates: 1 });
    again.close();
    const forgetful = open(0);
    forgetful.settle('track', forgetful.peek('track', 0, 10)[0]!.id);
    expect(append(forgetful, 'track', [row(3)])).toEqual({ added: 0, duplicates: 1 }); // still in the table
    forgetful.prune('track', 100);
    expect(append(forgetful, 'track', [row(3)])).toEqual({ added: 1, duplicates: 0 });
    forgetful.close();
  });

  test('settle moves the mark at once; prune removes forwarded rows in steps, the waiting ones never', () => {
    const store = open();
    append(store, 'track', Array.from({ length: 10 }, (_, i) => row(i)));
    const rows = store.peek('track', 0, 6);
    store.settle('track', rows.at(-1)!.id);
    expect([store.waiting().track.count, numbers(store.peek('track', 0, 10))]).toEqual([4, [6, 7, 8, 9]]);
    expect([store.prune('track', 4), store.prune('track', 4), store.prune('track', 4)]).toEqual([4, 2, 0]);
    expect(store.waiting().track.count).toBe(4);
    store.close();
    const again = open();
    expect([again.waiting().track.count, numbers(again.peek('track', 0, 10))]).toEqual([4, [6, 7, 8, 9]]);
    expect(numbers(again.peek('track', rows.at(-1)!.id + 2, 10))).toEqual([8, 9]);
    again.close();
  });

  test('settle removes up to an id; rejected items are kept with their status and error', () => {
    const store = open();
    append(store, 'track', [row(1), row(2), row(3)]);
    const rows = store.peek('track', 0, 2);
    store.settle('track', rows[1]!.id, { status: 400, items: [{ id: rows[0]!.id, error: 'bad item' }] });
    expect(numbers(store.peek('track', 0, 10))).toEqual([3]);
    expect(store.waiting().track.count).toBe(1);
    store.close();
    const db = new Database(file(), { readonly: true });
    expect(db.prepare('SELECT endpoint, status, error, item FROM rejected').all()).toEqual([{ endpoint: 'track', status: 400, error: 'bad item', item: row(1).item }]);
    db.close();
  });

  test('purge removes a person: their ids, their $user_id events, and their devices’ anonymous items', async () => {
    const store = open();
    append(store, 'track', [
      row(1, { distinct_id: '$device:dev-a', $device_id: 'dev-a' }),
      row(2, { distinct_id: 'alice', $user_id: 'alice', $device_id: 'dev-a' }),
      row(3, { distinct_id: 'bob', $device_id: 'dev-b' }),
      row(4, { distinct_id: 'alice', token: 'other-project' }),
      row(7, { distinct_id: 42 }),
    ]);
    const update = (n: number, who: unknown): SpoolRow => ({ dedupe: null, item: JSON.stringify({ $token: 't', $distinct_id: who, $set: { n } }) });
    append(store, 'engage', [update(5, 'alice'), update(6, 'bob'), update(8, '$device:dev-a')]);
    const refused = store.peek('engage', 0, 1)[0]!.id;
    store.settle('engage', refused, { status: 400, items: [{ id: refused, error: 'kept' }] });
    expect(await store.purge('t', ['alice', '42'])).toBe(4);
    expect(numbers(store.peek('track', 0, 10))).toEqual([3, 4]);
    expect(store.peek('engage', 0, 10).map((r) => JSON.parse(r.item).$set.n)).toEqual([6]);
    expect(store.waiting().track.count).toBe(2);
    store.close();
    const db = new Database(file(), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM rejected').pluck().get()).toBe(0); // alice's refused update went too
    db.close();
  });
});
