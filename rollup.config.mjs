import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import { cjsTypes } from './scripts/cjs-types.mjs';

const ts = () => typescript({ tsconfig: './tsconfig.json', compilerOptions: { noEmit: false, declaration: false, types: ['node'] }, include: ['src/**/*.ts'] });
const external = (id) => id === 'idb-keyval' || id.startsWith('node:');
const mangle = { properties: false };

/** Types for the script-tag build: it defines the global `heed`. */
const globalTypes = () => ({
  name: 'global-types',
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: 'heed.iife.d.ts',
      source: "import type { Heed } from './heed.mjs';\ndeclare global {\n  var heed: Heed;\n}\nexport {};\n",
    });
  },
});

/** Types for the consent sources' script-tag build: it defines the global `heedConsent`. */
const consentGlobalTypes = () => ({
  name: 'consent-global-types',
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: 'heed.consent.iife.d.ts',
      source: "import type * as sources from './heed.consent.mjs';\ndeclare global {\n  var heedConsent: typeof sources;\n}\nexport {};\n",
    });
  },
});

/** `.d.cts` of a module whose `module.exports` is its default export (src/entry/*-cjs.ts). */
const cjsDeclarations = () => ({ name: 'cjs-declarations', renderChunk: (code) => cjsTypes(code) });

/**
 * The tracker entries: ESM with a default and named exports; CommonJS (from `cjsInput`) where
 * `require('heed')` is the tracker itself with the named exports on it, as mixpanel-browser's is.
 */
const trackerEntry = (input, cjsInput, name) => [
  { input, external, plugins: [ts()], output: { file: `dist/${name}.mjs`, format: 'es' } },
  { input: cjsInput, external, plugins: [ts()], output: { file: `dist/${name}.cjs`, format: 'cjs', exports: 'default' } },
  {
    input,
    external,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: [{ file: `dist/${name}.d.mts` }, { file: `dist/${name}.d.cts`, plugins: [cjsDeclarations()] }],
  },
];

/** ESM + CJS for one public entry, with `.d.mts` / `.d.cts` types. */
const entry = (input, name) => [
  {
    input,
    external,
    plugins: [ts()],
    output: [
      { file: `dist/${name}.mjs`, format: 'es' },
      { file: `dist/${name}.cjs`, format: 'cjs', exports: 'named' },
    ],
  },
  {
    input,
    external,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: [{ file: `dist/${name}.d.mts` }, { file: `dist/${name}.d.cts` }],
  },
];

export default [
  ...trackerEntry('src/entry/browser.ts', 'src/entry/browser-cjs.ts', 'heed'),
  ...trackerEntry('src/entry/node.ts', 'src/entry/node-cjs.ts', 'heed.node'),
  // heed/privacy (issue 5): Node only, it holds the GDPR OAuth token.
  ...entry('src/entry/privacy.ts', 'heed.privacy'),
  {
    // The `heed-privacy` command, self-contained.
    input: 'src/privacy/cli.ts',
    external,
    plugins: [ts()],
    output: { file: 'dist/heed-privacy.mjs', format: 'es', banner: '#!/usr/bin/env node' },
  },
  ...entry('src/entry/consent.ts', 'heed.consent'),
  ...entry('src/entry/testing.ts', 'heed.testing'),
  {
    input: 'src/entry/consent-iife.ts',
    output: { file: 'dist/heed.consent.iife.min.js', format: 'iife', name: 'heedConsent', exports: 'default', plugins: [terser({ mangle, compress: { passes: 2 } })] },
    plugins: [resolve({ browser: true }), ts(), consentGlobalTypes()],
  },
  {
    // The fake CMPs for test pages (heed's own e2e, or an app's): `window.heedTesting`.
    input: 'src/entry/testing.ts',
    output: { file: 'dist/heed.testing.iife.js', format: 'iife', name: 'heedTesting' },
    plugins: [ts()],
  },
  {
    input: 'src/entry/iife.ts',
    output: { file: 'dist/heed.iife.min.js', format: 'iife', plugins: [terser({ mangle, compress: { passes: 2 } })] },
    plugins: [resolve({ browser: true }), ts(), globalTypes()],
  },
  {
    input: 'src/snippet/index.ts',
    plugins: [ts()],
    output: { file: 'dist/heed-snippet.min.js', format: 'es', plugins: [terser({ compress: { passes: 3 } })] },
  },
];
