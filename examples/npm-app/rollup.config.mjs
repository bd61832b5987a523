// npx rollup -c examples/npm-app/rollup.config.mjs   (serve.mjs runs this for you)
//
// `import ... from 'heed'` resolves like any dependency, through heed's package.json `exports`
// with the `browser` condition. Inside this repository it finds the root package by its own name
// (a package self-reference), so the example bundles the freshly built dist/; in your app it is
// node_modules/heed after `npm install heed`.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const here = dirname(fileURLToPath(import.meta.url));

export default {
  input: join(here, 'src', 'main.ts'),
  output: { file: join(here, 'dist', 'app.js'), format: 'es', sourcemap: true },
  plugins: [
    resolve({ browser: true }),
    // Type-checks too: a track() call that does not match the event map fails the build.
    typescript({ tsconfig: join(here, 'tsconfig.json') }),
    terser(),
  ],
};
