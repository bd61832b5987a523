// mixpanel-browser with its defaults (batch_requests on, batch_size 50, 5 s flush; autocapture,
// track_pageview, session recording, flags and remote settings are already off by default).
// Only the host changes; everything else is spelled out so a future default cannot creep in.
import mixpanel from 'mixpanel-browser';

window.benchSdk = {
  init(c) {
    mixpanel.init(c.token, {
      api_host: c.apiHost,
      autocapture: false,
      track_pageview: false,
      record_sessions_percent: 0,
      flags: false,
      remote_settings_mode: 'disabled',
    });
  },
  track(event, props) {
    mixpanel.track(event, props);
  },
};
