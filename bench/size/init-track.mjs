// The minimal app the size budget measures: import, init, track.
import heed from '../../dist/heed.mjs';
heed.init('token');
heed.track('x');
