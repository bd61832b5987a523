import { createHeed } from '../../src/entry/node';
import { describeBatching } from '../helpers/batching-suite';

// The same suite runs against the browser entry in test/tracker/batching.test.ts, here with
// Node's own fetch.
describeBatching(createHeed);
