// node examples/script-tag/serve.mjs [--port 8787] [--db file]
// Serves this folder's page and heed's built script at /dist/ from a local collector.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveExample } from '../serve.mjs';

await serveExample('script-tag', dirname(fileURLToPath(import.meta.url)));
