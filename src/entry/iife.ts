// The script-tag build: installs the default instance as `window.heed` and replays the calls the
// snippet (src/snippet) queued before it arrived, in the order they were made.
import heed from './browser';
import { replay, type QueuedCall } from '../snippet/replay';

const w = window as unknown as { heed?: { _q?: QueuedCall[] } };
const stub = w.heed;
// A second copy of the bundle leaves the first (and its state) in place.
if (!stub || stub._q) {
  w.heed = heed as unknown as typeof stub;
  if (stub && stub._q) replay(heed, stub._q);
}
