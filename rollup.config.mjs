import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';

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
  ...entry('src/entry/browser.ts', 'heed'),
  ...entry('src/entry/node.ts', 'heed.node'),
  {
    input: 'src/entry/iife.ts',
    output: { file: 'dist/heed.iife.min.js', format: 'iife', name: 'heed', exports: 'default', plugins: [terser({ mangle, compress: { passes: 2 } })] },
    plugins: [resolve({ browser: true }), ts(), globalTypes()],
  },
];
