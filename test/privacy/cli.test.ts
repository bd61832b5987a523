/**
 * `heed-privacy`: argument handling in-process, real runs against the collector, and the built
 * dist/heed-privacy.mjs as a child process (run after `npx rollup -c --silent`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../collector/src/index';
import { parseIds, runPrivacyCli, USAGE, type CliIo } from '../../src/privacy/command';

const TOKEN = 'cli-project';
const GDPR_TOKEN = 'cli-gdpr-token';
const BIN = join(__dirname, '..', '..', 'dist', 'heed-privacy.mjs');

let collector: Collector;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heed-cli-'));
  collector = await startCollector({ db: join(dir, 'c.db'), gdprToken: GDPR_TOKEN, gdprStepMs: 20, gdprMinIntervalMs: 0 });
});
afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

const ENV = () => ({ MIXPANEL_GDPR_TOKEN: GDPR_TOKEN, MIXPANEL_PROJECT_TOKEN: TOKEN });

/** Runs the command in-process; the client is unpaced (the collector's limit is off here). */
async function run(
  args: string[],
  { env = ENV(), tty = false, signal, client = {} }: { env?: Record<string, string>; tty?: boolean; signal?: AbortSignal; client?: CliIo['client'] } = {},
) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env,
    stdout: { write: (t: string) => (stdout += t), isTTY: tty },
    stderr: { write: (t: string) => (stderr += t) },
    client: { interval: 0, ...client },
    ...(signal ? { signal } : {}),
  };
  const code = await runPrivacyCli(args, io);
  return { code, stdout, stderr };
}
const base = () => ['--base-url', `${collector.url}/api/app`];

async function track(...people: string[]) {
  const items = people.map((p, i) => ({ event: 'e', properties: { token: TOKEN, distinct_id: p, $insert_id: `cli-${p}-${i}-${Date.now()}` } }));
  const response = await fetch(`${collector.url}/track`, { method: 'POST', body: JSON.stringify(items) });
  expect(response.status).toBe(200);
}
const eventsOf = (p: string) => collector.db.prepare('SELECT count(*) FROM events WHERE distinct_id = ? AND token = ?').pluck().get(p, TOKEN) as number;

describe('arguments', () => {
  test.each([
    [[], /say delete, export, status or cancel/],
    [['erase', '--id', 'a'], /say delete/],
    [['delete'], /needs --id or --ids-file/],
    [['status'], /needs --task/],
    [['delete', '--id', 'a', '--task', 't'], /--task is for status and cancel/],
    [['status', '--id', 'a'], /--id and --ids-file are for delete and export/],
    [['cancel', '--task', 't', '--kind', 'export'], /exports cannot be cancelled/],
    [['cancel', '--task', 'export:t'], /exports cannot be cancelled/],
    [['status', '--task', 'export:t', '--kind', 'deletion'], /is an export, not --kind deletion/],
    [['delete', '--id', 'a', '--disclosure', 'Data'], /--disclosure/],
    [['export', '--id', 'a', '--disclosure', 'All'], /--disclosure/],
    [['delete', '--id', 'a', '--region', 'mars'], /--region/],
    [['delete', '--id', 'a', '--chunk-size', '0'], /--chunk-size/],
    [['delete', '--id', 'a', '--token', 'x'], /Unknown option/],
    [['delete', '--ids-file', '/no/such/file'], /cannot read --ids-file/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage: heed-privacy');
  });

  test('tokens come from the environment only', async () => {
    expect((await run(['delete', '--id', 'a'], { env: { MIXPANEL_PROJECT_TOKEN: TOKEN } })).stderr).toMatch(/MIXPANEL_GDPR_TOKEN/);
    expect((await run(['delete', '--id', 'a'], { env: { MIXPANEL_GDPR_TOKEN: GDPR_TOKEN } })).stderr).toMatch(/MIXPANEL_PROJECT_TOKEN/);
    expect(USAGE).not.toMatch(/--(gdpr|oauth)-token/);
  });

  test('--help prints the usage and exits 0', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });

  test('ids files: one per line or CSV (first column, quotes), header and blank lines skipped', () => {
    expect(parseIds('distinct_id,email\r\nalice,a@example.com\n\n"bob, jr",b@example.com\n"say ""hi""",x\n  carol  \n')).toEqual(['alice', 'bob, jr', 'say "hi"', 'carol']);
    expect(parseIds('$distinct_id\nx')).toEqual(['x']);
    expect(parseIds('distinct_id')).toEqual([]);
  });
});

describe('against the collector', () => {
  test('delete --ids-file --wait: jobs created, waited for, people gone; exit 0', async () => {
    await track('cli-a', 'cli-b', 'cli-keep');
    const file = join(dir, 'ids.csv');
    writeFileSync(file, 'distinct_id\ncli-a\ncli-b\n');
    const result = await run(['delete', '--ids-file', file, '--wait', '--poll-interval', '0.01', '--chunk-size', '1', ...base()]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((l) => /^deletion \S+ created for 1 distinct_id$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^deletion \S+ SUCCESS$/.test(l))).toHaveLength(2);
    expect([eventsOf('cli-a'), eventsOf('cli-b'), eventsOf('cli-keep')]).toEqual([0, 0, 1]);
  });

  test('export --json --wait: one JSON object per line, the last with the download link', async () => {
    await track('cli-x');
    const result = await run(['export', '--id', 'cli-x', '--ccpa', '--disclosure', 'data', '--json', '--wait', '--poll-interval', '0.01', ...base()]);
    expect(result.code).toBe(0);
    const objects = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objects[0]).toMatchObject({ kind: 'export', status: 'PENDING', ids: 1, complianceType: 'CCPA' });
    const last = objects[objects.length - 1];
    expect(last).toMatchObject({ kind: 'export', status: 'SUCCESS', url: expect.stringMatching(/^http:/) });
    const file = (await (await fetch(last.url)).json()) as { events: { distinct_id: string }[] };
    expect(file.events.map((e) => e.distinct_id)).toEqual(['cli-x']);
  });

  test('status without --wait: exit 0 only when every job is SUCCESS; cancel of a finished job: exit 1', async () => {
    const created = await run(['delete', '--id', 'cli-s', '--json', ...base()]);
    const { id } = JSON.parse(created.stdout);
    const job = collector.db.prepare('SELECT status FROM gdpr_tasks WHERE id = ?').pluck();
    while (job.get(id) !== 'SUCCESS') await new Promise((r) => setTimeout(r, 10));
    const status = await run(['status', '--task', id, ...base()]);
    expect(status).toEqual({ code: 0, stdout: `deletion ${id} SUCCESS\n`, stderr: '' });
    expect((await run(['status', '--task', 'no-such-task', ...base()])).stdout).toBe('deletion no-such-task NOT_FOUND\n');
    expect((await run(['status', '--task', 'no-such-task', ...base()])).code).toBe(1);
    const cancel = await run(['cancel', '--task', id, ...base()]);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/405/);
  });

  test('status finds an export without --kind, and takes the handler\'s "export:<id>" as well', async () => {
    await track('cli-k');
    const created = await run(['export', '--id', 'cli-k', '--json', ...base()]);
    const { id } = JSON.parse(created.stdout);
    const job = collector.db.prepare('SELECT status FROM gdpr_tasks WHERE id = ?').pluck();
    while (job.get(id) !== 'SUCCESS') await new Promise((r) => setTimeout(r, 10));
    const found = await run(['status', '--task', id, ...base()]);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(new RegExp(`^export ${id} SUCCESS http://\\S+\\n$`));
    expect((await run(['status', '--task', `export:${id}`, ...base()])).stdout).toBe(found.stdout);
    // --kind still names one kind: a deletion with this id does not exist.
    expect((await run(['status', '--task', id, '--kind', 'deletion', ...base()])).stdout).toBe(`deletion ${id} NOT_FOUND\n`);
    expect(USAGE).toMatch(/--kind deletion\|export .*default: a deletion, else an export/s);
  });

  test('each retry and its wait is printed on stderr as it happens (no silent wait before an error)', async () => {
    // The collector's own GDPR rate limit answers 429 with Retry-After: 1 to the second request.
    const paced = await startCollector({ gdprToken: GDPR_TOKEN, gdprStepMs: 20, gdprMinIntervalMs: 1000 });
    try {
      const args = ['delete', '--id', 'cli-r1', '--id', 'cli-r2', '--chunk-size', '1', '--base-url', `${paced.url}/api/app`];
      const result = await run(args);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^heed-privacy: POST \/data-deletions\/v3\.0: 429 from the GDPR API \(Retry-After 1\); retry 1 in 1\.0 s\n$/);
    } finally {
      await paced.close();
    }
    // Nobody listening: every attempt fails; each retry is said before its wait, then the error.
    const closed = await new Promise<string>((resolve) => {
      const server = require('node:http').createServer();
      server.listen(0, '127.0.0.1', () => {
        const url = `http://127.0.0.1:${server.address().port}/api/app`;
        server.close(() => resolve(url));
      });
    });
    const started = Date.now();
    const failed = await run(['status', '--task', 't-1', '--kind', 'deletion', '--base-url', closed], { client: { retry: { limit: 2, backoff: 100 } } });
    expect(failed.code).toBe(1);
    const lines = failed.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^heed-privacy: GET \/data-deletions\/v3\.0\/t-1: no answer: fetch failed \(ECONNREFUSED\); retry 1 in 0\.1 s$/),
      expect.stringMatching(/; retry 2 in 0\.2 s$/),
      expect.stringMatching(/^heed-privacy: GET \/data-deletions\/v3\.0\/t-1: no answer from the GDPR API \(3 attempts\)/),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  test('a wrong token: exit 1 with the 401, and the token is never printed', async () => {
    const result = await run(['delete', '--id', 'a', ...base()], { env: { MIXPANEL_GDPR_TOKEN: 'not-the-token-zz9', MIXPANEL_PROJECT_TOKEN: TOKEN } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/401/);
    expect(result.stdout + result.stderr).not.toContain('not-the-token-zz9');
  });

  test('on a terminal the progress line is rewritten in place; Ctrl-C (abort) exits 130 and says the jobs go on', async () => {
    const slow = await startCollector({ gdprToken: GDPR_TOKEN, gdprStepMs: 60000, gdprMinIntervalMs: 0 });
    try {
      const controller = new AbortController();
      let stdout = '';
      let stderr = '';
      const running = runPrivacyCli(['delete', '--id', 'cli-t', '--wait', '--poll-interval', '0.01', '--base-url', `${slow.url}/api/app`], {
        env: ENV(),
        stdout: { write: (t: string) => (stdout += t), isTTY: true },
        stderr: { write: (t: string) => (stderr += t) },
        client: { interval: 0 },
        signal: controller.signal,
      });
      while (!/\r\x1b\[K1 job: 1 PENDING · \d+s/.test(stdout)) await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      expect(await running).toBe(130);
      expect(stderr).toMatch(/interrupted; the jobs go on/);
      expect(stdout.endsWith('\r\x1b[K')).toBe(true); // the progress line is cleared on the way out
    } finally {
      await slow.close();
    }
  });
});

describe('the built command', () => {
  const exec = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  test('dist/heed-privacy.mjs starts with a shebang and runs a paced deletion end to end', async () => {
    expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect((await exec(['--help'], {})).stdout).toBe(USAGE);
    await track('cli-bin');
    const result = await exec(['delete', '--id', 'cli-bin', '--wait', '--poll-interval', '0.05', ...base()], ENV());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^deletion \S+ created for 1 distinct_id\ndeletion \S+ SUCCESS\n$/);
    expect(eventsOf('cli-bin')).toBe(0);
  });
});
