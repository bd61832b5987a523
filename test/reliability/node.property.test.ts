import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHeed } from '../../src/entry/node';
import { propertySuite } from './property-suite';
import { FULL } from './report';

// A generated `persistence: 'file'` writes under ~/.heed: keep that inside a temporary home.
process.env.HOME = mkdtempSync(join(tmpdir(), 'heed-properties-'));

// `npm test` runs 250 calls per method; `npm run test:reliability` the full 10,000.
propertySuite({ name: 'node', createHeed }, { cases: FULL ? 10_000 : 250, seed: 13_02, shrinkMs: FULL ? 5_000 : 2_000 });
