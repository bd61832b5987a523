/**
 * @jest-environment jsdom
 */
import { createHeed } from '../../src/entry/browser';
import { resetBrowser } from '../helpers/browser';
import { propertySuite } from './property-suite';
import { FULL } from './report';

// `npm test` runs 250 calls per method; `npm run test:reliability` the full 10,000.
propertySuite({ name: 'browser', createHeed, reset: resetBrowser }, { cases: FULL ? 10_000 : 250, seed: 13_01, shrinkMs: FULL ? 5_000 : 2_000 });
