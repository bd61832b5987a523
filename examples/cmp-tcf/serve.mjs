// node examples/cmp-tcf/serve.mjs [--port 8787] [--db file]
// Bundles the page (the CMP and heed) with rollup.config.mjs, then serves it from a local collector.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import config from './rollup.config.mjs';
import { requireBuild, serveExample } from '../serve.mjs';

requireBuild();
const bundle = await rollup(config);
await bundle.write(config.output);
await bundle.close();
await serveExample('cmp-tcf', dirname(fileURLToPath(import.meta.url)));
