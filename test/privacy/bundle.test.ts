/**
 * The GDPR OAuth token can delete any user's data, so nothing that handles it may reach a browser.
 * Checks the built bundles (run after `npx rollup -c --silent`): every browser-facing file in
 * dist/ is free of the privacy client and of token handling, and the browser helpers are
 * tree-shaken away from an app that does not import them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rollup } from 'rollup';

const DIST = join(__dirname, '..', '..', 'dist');
/** What only the server side has: the client, the Authorization header, Mixpanel's GDPR paths. */
const SERVER_ONLY = ['oauthToken', 'Bearer', 'authorization', 'data-deletions', 'data-retrievals', 'createPrivacyClient', 'createPrivacyHandler', 'mixpanel.com/api/app'];

/** Every built JavaScript file except the Node-only ones (heed/node, heed/privacy, the CLI). */
const browserFiles = () =>
  readdirSync(DIST).filter((f) => /\.(mjs|cjs|js)$/.test(f) && !/^heed\.(node|privacy)\.|^heed-privacy\./.test(f));

test('the browser bundles exist (built before this test)', () => {
  expect(browserFiles()).toEqual(expect.arrayContaining(['heed.mjs', 'heed.cjs', 'heed.iife.min.js']));
});

test.each(['heed.mjs', 'heed.cjs', 'heed.iife.min.js', 'heed.d.mts', 'heed.d.cts'])('%s holds no privacy-client or token-handling code', (file) => {
  const text = readFileSync(join(DIST, file), 'utf8');
  for (const word of SERVER_ONLY) expect({ file, word, found: text.toLowerCase().includes(word.toLowerCase()) }).toEqual({ file, word, found: false });
});

test('no other browser-facing file does either', () => {
  const offenders = browserFiles().flatMap((file) => {
    const text = readFileSync(join(DIST, file), 'utf8').toLowerCase();
    return SERVER_ONLY.filter((w) => text.includes(w.toLowerCase())).map((w) => `${file}: ${w}`);
  });
  expect(offenders).toEqual([]);
});

test('the Node entry heed/privacy is where that code lives (so the checks above can fail)', () => {
  const text = readFileSync(join(DIST, 'heed.privacy.mjs'), 'utf8');
  for (const word of ['oauthToken', 'Bearer', 'data-deletions', 'createPrivacyClient']) expect(text).toContain(word);
});

/** Bundle a tiny app that imports dist/heed.mjs the way an app would, tree-shaken. */
async function app(source: string): Promise<string> {
  const bundle = await rollup({
    input: 'app',
    external: (id) => id === 'idb-keyval',
    plugins: [
      {
        name: 'app',
        resolveId: (id) => (id === 'app' ? id : id === 'heed' ? join(DIST, 'heed.mjs') : null),
        load: (id) => (id === 'app' ? source : null),
      },
    ],
  });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  return output.map((chunk) => ('code' in chunk ? chunk.code : '')).join('\n');
}

test('an app that never imports the helpers ships none of their code', async () => {
  const plain = await app("import heed from 'heed'; heed.init('t'); heed.track('x');");
  const withHelper = await app("import heed, { requestDataDeletion } from 'heed'; heed.init('t'); requestDataDeletion(heed);");
  for (const marker of ['/deletion', 'data request', "credentials: 'include'"]) {
    expect(withHelper).toContain(marker);
    expect(plain).not.toContain(marker);
  }
  expect(withHelper).not.toContain('/export'); // unused sibling helpers stay out too
});
