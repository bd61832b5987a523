import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startCollector, type Collector } from '../../collector/src/index';
import { startRedis, type TestRedis } from '../helpers/redis';

/**
 * Two real app processes share one suppression list through a real Redis server (Debian's
 * redis-server, persistence off) and send to the real collector: a suppression made in one stops
 * that person's events from both, within a second, while everyone else's keep flowing.
 * Runs the built Node entry (npm run build).
 */
const TOKEN = 'redisTok';
let redis: TestRedis;
let collector: Collector;
const apps: App[] = [];

interface App {
  call(op: string, ...args: unknown[]): Promise<unknown>;
  child: ChildProcess;
}

function app(): App {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'tracker-process.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<number, (v: unknown) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const { id, value } = JSON.parse(line);
    waiting.get(id)?.(value);
    waiting.delete(id);
  });
  let n = 0;
  const a: App = {
    child,
    call: (op, ...args) =>
      new Promise((resolve) => {
        const id = n++;
        waiting.set(id, resolve);
        child.stdin!.write(JSON.stringify({ id, op, args }) + '\n');
      }),
  };
  apps.push(a);
  return a;
}

const rows = (distinct: string) =>
  (collector.db.prepare('SELECT COUNT(*) AS n FROM events WHERE distinct_id = ?').get(distinct) as { n: number }).n;
const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  redis = await startRedis();
  collector = await startCollector({ port: 0, db: ':memory:' });
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.call('exit').catch(() => undefined)));
  await collector.close();
  await redis.stop();
});

test('a suppression in one process stops the person in every process within 1 s; others flow; unsuppress resumes', async () => {
  const [a, b] = [app(), app()];
  expect(await a.call('init', TOKEN, collector.url, redis.url)).toBe('ok');
  expect(await b.call('init', TOKEN, collector.url, redis.url)).toBe('ok');
  await b.call('track', '$identify', { distinct_id: 'user-1', $anon_distinct_id: '$device:anon-1' }); // b knows the merge
  await Promise.all([a.call('flush'), b.call('flush')]);

  await a.call('suppress', 'user-1');
  const t0 = Date.now();
  // b hears it over pub/sub: poll its local copy, no sleep.
  while (!(await b.call('isSuppressed', 'user-1'))) {
    if (Date.now() - t0 > 1000) throw new Error('b did not hear the suppression within 1 s');
  }
  const heard = Date.now() - t0;
  const before = rows('user-1');
  for (const p of [a, b]) {
    expect(await p.call('track', 'after', { distinct_id: 'user-1' })).toBe(false);
    expect(await p.call('track', 'after', { distinct_id: 'user-2' })).toBe(true);
  }
  expect(await b.call('track', 'after', { distinct_id: '$device:anon-1' })).toBe(false); // merged with user-1, known to b
  await Promise.all([a.call('flush'), b.call('flush')]);
  await until(() => rows('user-2') === 2, 3000);
  expect(rows('user-1')).toBe(before);
  expect(rows('$device:anon-1')).toBe(0);
  expect(heard).toBeLessThan(1000);

  await b.call('unsuppress', 'user-1');
  while (await a.call('isSuppressed', 'user-1')) await new Promise((r) => setTimeout(r, 10));
  expect(await a.call('track', 'resumed', { distinct_id: 'user-1' })).toBe(true);
  await a.call('flush');
  await until(() => rows('user-1') === before + 1, 3000);
});

test('a process that starts later reads the list as it is', async () => {
  const a = app();
  await a.call('init', TOKEN, collector.url, redis.url);
  await a.call('suppress', 'user-3');
  const late = app();
  await late.call('init', TOKEN, collector.url, redis.url);
  // Tracked before its copy of the list is read: queued, checked again once it is, never sent.
  await late.call('track', 'early', { distinct_id: 'user-3' });
  await late.call('track', 'early', { distinct_id: 'user-4' });
  await late.call('flush');
  expect(await late.call('track', 'later', { distinct_id: 'user-3' })).toBe(false);
  await until(() => rows('user-4') === 1, 3000);
  expect(rows('user-3')).toBe(0);
});
