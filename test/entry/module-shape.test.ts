import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * How the built package looks to the code that loads it (run after `npm run build`), each in a
 * fresh Node process: `require('heed')` is the tracker, as `require('mixpanel-browser')` is.
 */
const ROOT = join(__dirname, '..', '..');
const run = (code: string, type: 'commonjs' | 'module' = 'commonjs') =>
  JSON.parse(execFileSync(process.execPath, [type === 'module' ? '--input-type=module' : '--input-type=commonjs', '-e', code], { cwd: ROOT, encoding: 'utf8' }));

const shape = `({ init: typeof h.init, track: typeof h.track, people: typeof h.people.set, createHeed: typeof h.createHeed,
  HeedError: typeof h.HeedError, isHeedError: typeof h.isHeedError, selfDefault: h.default === h, deletion: typeof h.requestDataDeletion })`;
const expected = { init: 'function', track: 'function', people: 'function', createHeed: 'function', HeedError: 'function', isHeedError: 'function', selfDefault: true, deletion: 'function' };

test.each([
  ['the browser build (bundlers)', './dist/heed.cjs'],
  ['the Node build', './dist/heed.node.cjs'],
  ['the package name in Node', 'heed'],
])("require() of %s is the tracker, with the named exports on it", (_name, path) => {
  expect(run(`const h = require(${JSON.stringify(path)}); console.log(JSON.stringify(${shape}))`)).toEqual(expected);
});

test('ESM keeps its default and named exports', () => {
  const code = `import h, { createHeed, HeedError } from 'heed'; console.log(JSON.stringify({ init: typeof h.init, createHeed: typeof createHeed, HeedError: typeof HeedError, fresh: createHeed() !== h }))`;
  expect(run(code, 'module')).toEqual({ init: 'function', createHeed: 'function', HeedError: 'function', fresh: true });
});

test("requestDataDeletion imported in Node (server-rendered code) says it is browser-only instead of crashing", () => {
  const code = `const { requestDataDeletion } = require('heed'); requestDataDeletion({}).then(() => console.log('"resolved"'), (e) => console.log(JSON.stringify(e.message)))`;
  expect(run(code)).toMatch(/runs in the browser; on a server use createPrivacyClient from 'heed\/privacy'/);
});

test('the browser build in Node with a global BroadcastChannel lets the process exit after init and an opt-out', () => {
  const started = Date.now();
  const out = execFileSync(process.execPath, [join(__dirname, 'fixtures', 'browser-build-in-node.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 15_000 });
  expect(out).toContain('done function');
  expect(Date.now() - started).toBeLessThan(10_000);
});
