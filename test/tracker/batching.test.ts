/** @jest-environment jsdom */
import { createHeed } from '../../src/entry/browser';
import { describeBatching } from '../helpers/batching-suite';
import { resetBrowser } from '../helpers/browser';

// The same suite runs against the Node entry in test/entry/node-batching.test.ts.
describeBatching(createHeed, resetBrowser);
