// npx rollup -c examples/cmp-tcf/rollup.config.mjs   (serve.mjs runs this for you)
// One bundle: the IAB's CmpApi and TC string encoder, heed and heed/consent (resolved through
// heed's package.json `exports`; inside this repository, the root package by its own name).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const here = dirname(fileURLToPath(import.meta.url));

export default {
  input: join(here, 'src', 'page.js'),
  output: { file: join(here, 'dist', 'page.js'), format: 'es', sourcemap: true },
  plugins: [resolve({ browser: true }), terser()],
  onwarn(warning, warn) {
    // The IAB libraries import in circles among their own modules; harmless, and not ours to fix.
    if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => id.includes('node_modules'))) return;
    warn(warning);
  },
};
