/**
 * The browser helpers against a real local server: what they send, what they return, and that a
 * deletion opts the tracker out only once the backend confirmed it. The tracker is heed's own
 * (Node entry, same core); real Chromium with cookies is test/e2e/privacy.e2e.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHeed } from '../../src/entry/node';
import { isHeedError } from '../../src/errors';
import { getDataRequestStatus, requestDataDeletion, requestDataExport, requestOptOut } from '../../src/privacy/browser';

interface Received {
  method: string;
  path: string;
  body: any;
}

let server: Server;
let endpoint: string;
let received: Received[];
let answer: (r: Received) => { status: number; body: unknown };

beforeEach(async () => {
  received = [];
  answer = (r) => ({ status: 201, body: { id: `${r.path.endsWith('export') ? 'export' : 'deletion'}:t-1`, kind: 'deletion', status: 'PENDING', terminal: false } });
  server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '', body: text ? JSON.parse(text) : undefined };
      received.push(r);
      const { status, body } = answer(r);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy/`;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

function tracker(identified = true) {
  const heed = createHeed();
  // Nothing is tracked here; the host only has to be somewhere that is not the internet.
  heed.init('browser-helper-token', { api_host: 'http://127.0.0.1:9', batch_flush_interval_ms: 60000 });
  if (identified) heed.identify('alice');
  return heed;
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

test('a deletion sends the identity context; once confirmed the tracker is opted out and its state cleared', async () => {
  const heed = tracker();
  const device = heed.get_property('$device_id');
  const status = await requestDataDeletion(heed, { endpoint, complianceType: 'CCPA' });
  expect(status).toEqual({ id: 'deletion:t-1', kind: 'deletion', status: 'PENDING', terminal: false });
  expect(received).toEqual([
    { method: 'POST', path: '/privacy/deletion', body: { distinct_id: 'alice', user_id: 'alice', device_id: device, compliance_type: 'CCPA' } },
  ]);
  expect(heed.has_opted_out_tracking()).toBe(true);
  expect(heed.get_property('$user_id')).toBeUndefined();
  expect(heed.get_distinct_id()).not.toBe('alice');
});

test.each(['FAILURE', 'REVOKED', 'NOT_FOUND', 'UNKNOWN'])('a job reported %s is not a confirmed deletion: no opt-out', async (status) => {
  answer = () => ({ status: 201, body: { id: 'deletion:t-1', kind: 'deletion', status, terminal: true } });
  const heed = tracker();
  expect((await requestDataDeletion(heed, { endpoint })).status).toBe(status);
  expect(heed.has_opted_out_tracking()).toBe(false);
});

test('refusals reject with a HeedError carrying the status and the server message; nothing changes locally', async () => {
  answer = () => ({ status: 401, body: { error: 'not authorized for this distinct_id' } });
  const heed = tracker();
  const error = await rejection(requestDataDeletion(heed, { endpoint }));
  expect(isHeedError(error)).toBe(true);
  expect(error.status).toBe(401);
  expect(error.message).toMatch(/401 .*not authorized for this distinct_id/);
  expect(heed.has_opted_out_tracking()).toBe(false);
  expect(heed.get_distinct_id()).toBe('alice');
});

test.each([
  ['not JSON', { status: 200, body: '<html>' }],
  ['no id', { status: 201, body: { status: 'PENDING' } }],
  ['an unknown status', { status: 201, body: { id: 'deletion:1', status: 'QUEUED' } }],
])('an answer with %s rejects (never a half-typed status) and does not opt out', async (_name, reply) => {
  answer = () => reply;
  const heed = tracker();
  expect(isHeedError(await rejection(requestDataDeletion(heed, { endpoint })))).toBe(true);
  expect(heed.has_opted_out_tracking()).toBe(false);
});

test('no answer at all rejects with a HeedError whose cause is the network error', async () => {
  const heed = tracker();
  const error = await rejection(requestDataDeletion(heed, { endpoint: 'http://127.0.0.1:9/privacy' }));
  expect(error).toMatchObject({ name: 'HeedError', message: expect.stringMatching(/no answer/) });
  expect(error.cause).toBeDefined();
  expect(heed.has_opted_out_tracking()).toBe(false);
});

test('an export sends the same context plus the disclosure type, and changes nothing locally', async () => {
  const heed = tracker();
  expect((await requestDataExport(heed, { endpoint, disclosureType: 'Categories' })).id).toBe('export:t-1');
  expect(received[0]).toMatchObject({ path: '/privacy/export', body: { distinct_id: 'alice', user_id: 'alice', disclosure_type: 'Categories' } });
  expect(heed.has_opted_out_tracking()).toBe(false);
});

test('an anonymous visitor sends no user_id; the status of a job is read by its id', async () => {
  const heed = tracker(false);
  await requestDataExport(heed, { endpoint });
  expect(received[0]!.body.user_id).toBeUndefined();
  expect(received[0]!.body.distinct_id).toMatch(/^\$device:/);
  answer = () => ({ status: 200, body: { id: 'export:t/1', kind: 'export', status: 'SUCCESS', terminal: true, url: 'https://files.example/1.json' } });
  expect(await getDataRequestStatus('export:t/1', { endpoint })).toMatchObject({ status: 'SUCCESS', url: 'https://files.example/1.json' });
  expect(received[1]).toEqual({ method: 'GET', path: '/privacy/tasks/export%3At%2F1', body: undefined });
});

describe('requestOptOut', () => {
  test('sends only the refusal: an empty JSON object to <endpoint>/opt-out, and resolves once confirmed', async () => {
    answer = () => ({ status: 200, body: { suppressed: true } });
    expect(await requestOptOut({ endpoint })).toEqual({ suppressed: true });
    expect(received).toEqual([{ method: 'POST', path: '/privacy/opt-out', body: {} }]);
  });

  test.each([
    ['401 (nobody signed in)', { status: 401, body: { error: 'sign in to make a data request' } }, 401],
    ['501 (turned off on the server)', { status: 501, body: { error: 'opt-out is turned off on this server' } }, 501],
    ['200 without the confirmation', { status: 200, body: { ok: true } }, 502],
    ['200 that is not JSON', { status: 200, body: 'fine' }, 200],
  ])('%s rejects with a HeedError carrying the status', async (_name, reply, status) => {
    answer = () => reply;
    const error = await rejection(requestOptOut({ endpoint }));
    expect(isHeedError(error)).toBe(true);
    expect(error.status).toBe(status);
  });
});
