import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTestCollector, type TestCollector } from './helpers';

let t: TestCollector;
let root: string;

beforeAll(async () => {
  // <tmp>/site/{pages,dist} are served; <tmp>/site/secret.txt and <tmp>/outside must not be.
  const probe = await startTestCollector();
  root = path.join(probe.dir, '..', `${path.basename(probe.dir)}-site`);
  await probe.close();
  const pages = path.join(root, 'pages');
  const dist = path.join(root, 'dist');
  fs.mkdirSync(path.join(pages, 'docs'), { recursive: true });
  fs.mkdirSync(dist, { recursive: true });
  fs.writeFileSync(path.join(pages, 'index.html'), '<!doctype html><title>demo</title>');
  fs.writeFileSync(path.join(pages, 'docs', 'index.html'), '<p>docs</p>');
  fs.writeFileSync(path.join(pages, 'style.css'), 'body{}');
  fs.writeFileSync(path.join(pages, 'data.json'), '{"a":1}');
  fs.writeFileSync(path.join(pages, 'blob.bin'), Buffer.from([0, 1, 2]));
  fs.writeFileSync(path.join(dist, 'heed.js'), 'export const x = 1;');
  fs.writeFileSync(path.join(dist, 'heed.js.map'), '{}');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'TOP SECRET');
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(pages, 'link.txt'));
  t = await startTestCollector({ static: { '/dist/': dist, '/': pages } });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test.each([
  ['/', 'text/html; charset=utf-8', '<!doctype html><title>demo</title>'],
  ['/docs/', 'text/html; charset=utf-8', '<p>docs</p>'],
  ['/style.css', 'text/css; charset=utf-8', 'body{}'],
  ['/data.json', 'application/json; charset=utf-8', '{"a":1}'],
  ['/dist/heed.js', 'text/javascript; charset=utf-8', 'export const x = 1;'],
  ['/dist/heed.js.map', 'application/json; charset=utf-8', '{}'],
  ['/blob.bin', 'application/octet-stream', '\u0000\u0001\u0002'],
])('GET %s serves the file as %s', async (url, type, body) => {
  const reply = await t.request(url);
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toBe(type);
  expect(reply.text).toBe(body);
});

test('the longest prefix wins: /dist/ files are not looked up in pages', async () => {
  expect((await t.request('/dist/index.html')).status).toBe(404);
});

test('HEAD answers headers only; POST is 405; a missing file is 404 JSON', async () => {
  const head = await t.request('/style.css', { method: 'HEAD' });
  expect([head.status, head.headers['content-length'], head.text]).toEqual([200, '6', '']);
  expect((await t.request('/style.css', { method: 'POST', body: 'x' })).status).toBe(405);
  const missing = await t.request('/nope.html');
  expect(missing.status).toBe(404);
  expect(missing.json.status).toBe(0);
});

test('API routes take precedence over the "/" mount', async () => {
  expect((await t.request('/api/events')).json).toEqual({ events: [] });
});

/** Send a request line byte for byte: HTTP clients would normalise the dots away. */
function raw(target: string): Promise<string> {
  const { port } = new URL(t.collector.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

// Dot segments in the request line are removed by URL parsing (404: no such file in pages);
// encoded slashes survive parsing and must be caught by the containment check (403), as must a
// symlink leading out of the folder. <root>/secret.txt exists, so a 200 would leak it.
test.each([
  ['/../secret.txt', 404],
  ['/dist/../../secret.txt', 404],
  ['/%2e%2e/secret.txt', 404],
  ['/..%2fsecret.txt', 403],
  ['/dist/..%2f..%2fsecret.txt', 403],
  ['/%2e%2e%2fsecret.txt', 403],
  ['/..%5csecret.txt', 404],
  ['/link.txt', 403],
  ['/secret.txt%00.html', 400],
])('traversal %s is refused with %i', async (target, expected) => {
  const response = await raw(target);
  expect(Number(response.split(' ')[1])).toBe(expected);
  expect(response).not.toContain('TOP SECRET');
});

test('a mounted folder may appear after the server started (a build that runs later)', async () => {
  const late = path.join(root, 'late');
  const server = await startTestCollector({ static: { '/late/': late } });
  try {
    expect((await server.request('/late/app.js')).status).toBe(404);
    fs.mkdirSync(late);
    fs.writeFileSync(path.join(late, 'app.js'), 'ok()');
    const reply = await server.request('/late/app.js');
    expect([reply.status, reply.text]).toEqual([200, 'ok()']);
  } finally {
    await server.close();
  }
});
