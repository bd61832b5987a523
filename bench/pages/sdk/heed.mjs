// heed as an app would use it: the browser ESM build, defaults except where to send.
import heed from '../../../dist/heed.mjs';

window.benchSdk = {
  init(c) {
    heed.init(c.token, { api_host: c.apiHost });
  },
  track(event, props) {
    heed.track(event, props);
  },
};
