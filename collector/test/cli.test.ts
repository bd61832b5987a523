import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UsageError, parseCliArgs } from '../src/args.js';
import { buildCollectorCli } from './relay-rig';

describe('parseCliArgs', () => {
  const cwd = '/work/project';

  test('defaults: port 8787, ./.heed/collector.db, request log on', () => {
    expect(parseCliArgs([], {}, cwd)).toEqual({
      port: 8787,
      host: '127.0.0.1',
      db: '/work/project/.heed/collector.db',
      static: {},
      log: true,
    });
  });

  test('PORT from the environment, --port wins over it', () => {
    expect(parseCliArgs([], { PORT: '9000' }, cwd)).toMatchObject({ port: 9000 });
    expect(parseCliArgs(['--port', '0'], { PORT: '9000' }, cwd)).toMatchObject({ port: 0 });
  });

  test('--static is repeatable and resolves folders against the working directory', () => {
    const options = parseCliArgs(['--static', '/dist/=dist', '--static', '/=/abs/pages', '--db', ':memory:', '--quiet'], {}, cwd);
    expect(options).toMatchObject({
      static: { '/dist/': '/work/project/dist', '/': '/abs/pages' },
      db: ':memory:',
      log: false,
    });
  });

  test('--max-body-bytes and --help', () => {
    expect(parseCliArgs(['--max-body-bytes', '1024'], {}, cwd)).toMatchObject({ maxBodyBytes: 1024 });
    expect(parseCliArgs(['--help'], {}, cwd)).toBe('help');
  });

  test.each([
    [['--port', 'http'], "--port must be a non-negative integer, got 'http'"],
    [['--port', '70000'], '--port must be at most 65535, got 70000'],
    [['--static', 'dist'], "--static expects prefix=dir, got 'dist'"],
    [['--static', '/x/='], "--static expects prefix=dir, got '/x/='"],
    [['--verbose'], /Unknown option '--verbose'/],
    [['extra'], /positional/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCliArgs(argv as string[], {}, cwd)).toThrow(UsageError);
    expect(() => parseCliArgs(argv as string[], {}, cwd)).toThrow(message);
  });
});

describe('the CLI process', () => {
  let dir: string;
  let cli: string;

  beforeAll(() => {
    // Run the real entry point as Node runs dist/cli.js: ESM transpiled from src (relay/ included)
    // into a temp folder, so the test never depends on a stale build.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heed-collector-cli-'));
    cli = buildCollectorCli();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function start(args: string[], cwd: string): { child: ChildProcess; url: Promise<string>; output: () => string } {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
    });
    return { child, url, output: () => output };
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

  test('starts with the default db folder, serves, logs requests, and SIGTERM checkpoints and closes', async () => {
    const work = fs.mkdtempSync(path.join(dir, 'work-'));
    fs.mkdirSync(path.join(work, 'pages'));
    fs.writeFileSync(path.join(work, 'pages', 'index.html'), '<h1>demo</h1>');
    const { child, url, output } = start(['--port', '0', '--static', '/=pages'], work);
    const base = await url;
    expect(shebang(cli)).toBe('#!/usr/bin/env node');

    const body = `data=${encodeURIComponent(JSON.stringify([{ event: 'cli', properties: { token: 't', $insert_id: 'cli-1' } }]))}`;
    const posted = await fetch(`${base}/track/`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([posted.status, await posted.text()]).toEqual([200, '1']);
    expect(await (await fetch(`${base}/`)).text()).toBe('<h1>demo</h1>');

    const dbFile = path.join(work, '.heed', 'collector.db');
    expect(fs.existsSync(`${dbFile}-wal`)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(output()).toMatch(/POST \/track\/ 200 items=1/);
    expect(output()).toMatch(/SIGTERM: closing/);
    // The WAL was checkpointed into the main file and removed by the clean close.
    expect(fs.existsSync(`${dbFile}-wal`)).toBe(false);
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT event, insert_id FROM events').all()).toEqual([{ event: 'cli', insert_id: 'cli-1' }]);
    } finally {
      db.close();
    }
  });

  test('Ctrl-C (SIGINT) also exits cleanly; a bad flag exits 2 with usage', async () => {
    const { child, url } = start(['--port', '0', '--db', ':memory:', '--quiet'], dir);
    await url;
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);

    const bad = start(['--port', 'nope'], dir);
    await expect(bad.url).rejects.toThrow(/exited with 2/);
    expect(bad.output()).toContain("--port must be a non-negative integer, got 'nope'");
    expect(bad.output()).toContain('Usage: heed-collector');
  });
});

function shebang(file: string): string {
  return fs.readFileSync(file, 'utf8').split('\n', 1)[0]!;
}
