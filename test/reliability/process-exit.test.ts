import { join } from 'node:path';
import { runNode } from '../helpers/child';

/**
 * The browser build in Node where a jsdom set-up (a test runner, server-side rendering) provides
 * `window` and Node provides a global `BroadcastChannel`: an open channel keeps the process alive,
 * so after `init` (and after an opt-out) the process must still exit by itself (issue 13).
 */
const ROOT = join(__dirname, '..', '..');
const BUILD = join(ROOT, 'dist', 'heed.cjs');

const script = (steps: string, before = '') => `
  ${before}
  const { JSDOM } = require('jsdom');
  const dom = new JSDOM('<!doctype html><p>ssr</p>', { url: 'http://localhost/' });
  for (const key of ['window', 'document', 'navigator', 'location', 'history', 'screen', 'localStorage', 'sessionStorage']) globalThis[key] = dom.window[key];
  for (const key of ['addEventListener', 'removeEventListener']) globalThis[key] = dom.window[key].bind(dom.window);
  const heed = require(${JSON.stringify(BUILD)});
  heed.init('exit-token', { api_host: 'http://127.0.0.1:9', batch_flush_interval_ms: 100 });
  ${steps}
  console.log('done');
`;

test('control: the same set-up without a BroadcastChannel exits (what stays alive is the channel, not jsdom)', async () => {
  const result = await runNode(script('heed.opt_out_tracking();', 'delete globalThis.BroadcastChannel;'), { cwd: ROOT, timeoutMs: 8000 });
  expect({ stderr: result.stderr, done: result.stdout.includes('done'), killed: result.signal, code: result.code }).toEqual({ stderr: '', done: true, killed: null, code: 0 });
}, 20_000);

test.each([
  ['init', ''],
  ['init, a track, then an opt-out', "heed.track('x'); heed.opt_out_tracking();"],
])('the browser build in Node (jsdom + BroadcastChannel): the process exits by itself after %s', async (_name, steps) => {
  expect(typeof BroadcastChannel).toBe('function'); // Node 18+ has one: the case arises
  const result = await runNode(script(steps), { cwd: ROOT, timeoutMs: 8000 });
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('done');
  expect({ killed: result.signal, code: result.code }).toEqual({ killed: null, code: 0 });
}, 20_000);
