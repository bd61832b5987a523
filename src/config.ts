import type { Config } from './types';

export const LIB_VERSION = '0.1.0';

/** Every option's default, in one place (documented with `@default` on {@link Config}). */
export const DEFAULTS: Config = {
  api_host: 'https://api-js.mixpanel.com',
  api_payload_format: 'json',
  ip: true,
  batch_size: 50,
  batch_flush_interval_ms: 5000,
  batch_request_timeout_ms: 90000,
  max_queued_events: 10000,
  persistence: 'localStorage',
  persistence_path: '',
  cookie_domain: '',
  cookie_expiration: 365,
  cross_subdomain_cookie: true,
  secure_cookie: false,
  opt_out_tracking_by_default: false,
  opt_out_tracking_persistence_type: 'localStorage',
  opt_out_tracking_cookie_prefix: '__mp_opt_in_out_',
  ignore_dnt: false,
  ignore_gpc: false,
  property_blacklist: [],
  debug: false,
};

const REGIONS: Record<string, string> = {
  us: 'https://api-js.mixpanel.com',
  eu: 'https://api-eu.mixpanel.com',
  in: 'https://api-in.mixpanel.com',
};

/** `'eu'` → Mixpanel's EU host; a URL is used as given, without a trailing slash. */
export const apiBase = (host: string): string => (REGIONS[host] || host).replace(/\/+$/, '');
