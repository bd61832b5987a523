/**
 * The README as a newcomer uses it: its backend example runs exactly as printed (on node:http and
 * as a fetch-style handler) against a real collector, its links stay inside the repository, and
 * the LICENSE file is the license package.json names. Needs `npm run build` (dist/) first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { startCollector, type Collector } from '../../collector/src/index';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced code block whose first line is `// <name>`. */
function block(name: string): string {
  const found = [...README.matchAll(/```(?:js|ts)\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.startsWith(`// ${name}`));
  if (!found) throw new Error(`README.md has no code block starting with "// ${name}"`);
  return found;
}

const freePort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

describe("the README's data-request backend, run as printed", () => {
  let dir: string;
  let collector: Collector;
  let child: ChildProcess;
  let port: number;
  let output = '';
  const TOKEN = 'readme-project';

  beforeAll(async () => {
    collector = await startCollector({ gdprToken: 'readme-gdpr', gdprStepMs: 10, gdprMinIntervalMs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'heed-readme-'));
    // An app of its own with heed installed: node_modules/heed is this repository (built).
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'heed'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
    writeFileSync(join(dir, 'backend.mjs'), block('backend.mjs'));
    writeFileSync(join(dir, 'sessions.mjs'), block('sessions.mjs'));
    // The test's part: a signed-in session, Mixpanel's EU host routed to the local collector (no
    // test reaches the internet), and one call through the fetch-style handler.
    writeFileSync(
      join(dir, 'run.mjs'),
      `const real = globalThis.fetch;
      globalThis.fetch = (url, init) => real(String(url).replace('https://eu.mixpanel.com/api/app', process.env.COLLECTOR + '/api/app'), init);
      const { sessions } = await import('./sessions.mjs');
      sessions.set('s-ada', 'ada');
      const { privacy } = await import('./backend.mjs');
      const post = (cookie) => privacy(new Request('http://app.example/privacy/export', { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: '{}' }));
      const [signedIn, nobody] = [await post('theme=dark; session=s-ada'), await post()];
      console.log('fetch-style', signedIn.status, JSON.stringify(await signedIn.json()), nobody.status);`,
    );
    port = await freePort();
    child = spawn(process.execPath, ['run.mjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: String(port), COLLECTOR: collector.url, MIXPANEL_PROJECT_TOKEN: TOKEN, MIXPANEL_GDPR_TOKEN: 'readme-gdpr' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c));
    child.stderr!.on('data', (c: Buffer) => (output += c));
    const end = Date.now() + 15000;
    while (!output.includes('fetch-style')) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`the README backend did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(async () => {
    child?.kill();
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('as a fetch-style handler: the signed-in person gets an export job, nobody gets 401', () => {
    expect(output).toMatch(/^fetch-style 201 \{"id":"export:[0-9a-f-]+","kind":"export","status":"PENDING","terminal":false\} 401\n$/);
  });

  test('on node:http: deletion for the session user only, at the collector, under the project token', async () => {
    const ask = (cookie?: string) =>
      fetch(`http://127.0.0.1:${port}/privacy/deletion`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ distinct_id: 'ada' }),
      });
    expect((await ask()).status).toBe(401);
    expect((await ask('session=s-unknown')).status).toBe(401);
    const created = await ask('session=s-ada');
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const tasks = ((await (await fetch(`${collector.url}/api/tasks`)).json()) as { tasks: { id: string; kind: string; token: string; distinct_ids: string[] }[] }).tasks;
    expect(tasks.map((t) => [t.kind, t.token, t.distinct_ids])).toEqual([
      ['retrieval', TOKEN, ['ada']],
      ['deletion', TOKEN, ['ada']],
    ]);
    expect(id).toBe(`deletion:${tasks[1]!.id}`);
    expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
  });
});

describe('what the repository ships with its docs', () => {
  const markdown = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');

  test.each(markdown)('%s links only to files inside the repository that exist', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const outside: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target!)) continue;
      const path = resolve(ROOT, dirname(file), target!.split('#')[0]!);
      if (relative(ROOT, path).startsWith('..') || !existsSync(path)) outside.push(target!);
    }
    // The project's working notes and references live beside the repository, not in it.
    for (const [mention] of text.matchAll(/`(?:\.\.\/)*shared\/[^`]*`/g)) outside.push(mention);
    expect(outside).toEqual([]);
  });

  test('LICENSE is the license package.json names (MIT)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(license).toContain('Permission is hereby granted, free of charge, to any person obtaining a copy');
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});
