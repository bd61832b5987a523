// The CommonJS shape of the browser entry: `require('heed')` is the tracker itself, as
// `require('mixpanel-browser')` is, with the named exports (and `default`) on it.
import heed, * as named from './browser';

export default Object.assign(heed, named);
