/** @jest-environment jsdom */
import { createHeed } from '../../src/entry/browser';
import { describeBatching } from '../helpers/batching-suite';
import { resetBrowser } from '../helpers/browser';
import { useNodeFetch } from '../helpers/fetch';

// The same suite runs against the Node entry in test/node/batching.test.ts.
useNodeFetch();
describeBatching(createHeed, resetBrowser);
