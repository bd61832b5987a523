import heed from '../../../dist/heed.mjs';
heed.init('token');
heed.track('x');
