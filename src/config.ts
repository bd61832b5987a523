import type { Config } from './types';

export const LIB_VERSION = '0.1.0';

/** The one function that does nothing (the default `loaded` and `error_reporter`, ignored failures). */
export const noop = () => undefined;

/** Every option's default, in one place (documented with `@default` on {@link Config}). A fresh copy per instance. */
export const defaults = (): Config => ({
  token: '',
  api_host: 'https://api-js.mixpanel.com',
  api_hosts: {},
  api_routes: { track: 'track/', engage: 'engage/', groups: 'groups/' },
  api_extra_query_params: {},
  api_method: 'POST',
  api_transport: 'XHR',
  api_payload_format: 'json',
  xhr_headers: {},
  ip: true,
  test: false,
  verbose: false,
  batch_requests: true,
  batch_size: 50,
  batch_flush_interval_ms: 5000,
  batch_request_timeout_ms: 90000,
  batch_autostart: true,
  max_queued_events: 10000,
  persistence: 'localStorage',
  persistence_name: '',
  cookie_name: '',
  disable_persistence: false,
  disable_cookie: false,
  persistence_path: '',
  cookie_domain: '',
  cookie_expiration: 365,
  cross_subdomain_cookie: true,
  cross_site_cookie: false,
  secure_cookie: false,
  opt_out_tracking_by_default: false,
  opt_out_persistence_by_default: true,
  opt_out_tracking_persistence_type: 'localStorage',
  opt_out_tracking_cookie_prefix: '__mp_opt_in_out_',
  purposes: ['analytics'],
  consent_max_age_days: 0,
  consent_notice_version: '',
  ignore_dnt: false,
  ignore_gpc: false,
  property_blacklist: [],
  track_pageview: false,
  track_marketing: true,
  store_google: true,
  stop_utm_persistence: false,
  save_referrer: true,
  skip_first_touch_marketing: false,
  hooks: {},
  loaded: noop,
  error_reporter: noop,
  debug: false,
});

const REGIONS: Record<string, string> = {
  us: 'https://api-js.mixpanel.com',
  eu: 'https://api-eu.mixpanel.com',
  in: 'https://api-in.mixpanel.com',
};

/** `'eu'` → Mixpanel's EU host; a URL is used as given, without a trailing slash. */
export const apiBase = (host: string): string => (REGIONS[host] || host).replace(/\/+$/, '');
