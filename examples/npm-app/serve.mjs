// node examples/npm-app/serve.mjs [--port 8787] [--db file]
// Bundles the app with rollup.config.mjs, then serves it from a local collector.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import config from './rollup.config.mjs';
import { requireBuild, serveExample } from '../serve.mjs';

requireBuild();
const bundle = await rollup(config);
await bundle.write(config.output);
await bundle.close();
await serveExample('npm-app', dirname(fileURLToPath(import.meta.url)));
