// npm run demo [-- --port 8080 --collector-port 8787 --db .heed/demo.db --gdpr-step-ms 1000]
import { parseArgs } from 'node:util';
import { requireBuild, stopOnSignal } from '../serve.mjs';
import { startDemo } from './index.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT || '8080' },
    'collector-port': { type: 'string', default: '8787' },
    db: { type: 'string', default: '.heed/demo.db' },
    'gdpr-step-ms': { type: 'string', default: '1000' },
  },
  strict: true,
});

requireBuild();
let demo;
try {
  demo = await startDemo({
    port: Number(values.port),
    collectorPort: Number(values['collector-port']),
    db: values.db,
    gdprStepMs: Number(values['gdpr-step-ms']),
  });
} catch (error) {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(`port ${error.port} is in use: choose others, e.g. npm run demo -- --port 3000 --collector-port 3001`);
  process.exit(1);
}

console.log(`heed demo
  site:      ${demo.siteUrl}
  inspector: ${demo.inspectorUrl}
  database:  ${demo.db}
Open the site and the inspector in a browser. Ctrl-C to stop (the data stays in the file).`);

stopOnSignal(async () => {
  await demo.close();
  console.log(`stopped; data kept in ${demo.db}`);
});
