// posthog-js with every extra feature off (autocapture, page views/leaves, session recording,
// feature flags + remote config, surveys, heatmaps, dead clicks, exceptions, web vitals, external
// scripts) and its client-side rate limit raised: by default it drops everything past a burst of
// 100 events at 10/s, which would turn this into a benchmark of dropping. It also drops every event
// from a browser it takes for a bot, and automated Chromium is one (navigator.webdriver), hence
// opt_out_useragent_filter. Batching, compression
// (gzip via CompressionStream) and persistence stay at their defaults.
import posthog from 'posthog-js';

window.benchSdk = {
  init(c) {
    posthog.init(c.token, {
      api_host: c.apiHost,
      autocapture: false,
      capture_pageview: false,
      capture_pageleave: false,
      disable_session_recording: true,
      advanced_disable_flags: true,
      advanced_disable_feature_flags: true,
      disable_surveys: true,
      disable_product_tours: true,
      disable_conversations: true,
      disable_web_experiments: true,
      disable_external_dependency_loading: true,
      capture_performance: false,
      capture_heatmaps: false,
      capture_dead_clicks: false,
      capture_exceptions: false,
      rageclick: false,
      opt_out_useragent_filter: true,
      rate_limiting: { events_per_second: 1e6, events_burst_limit: 1e7 },
    });
  },
  track(event, props) {
    posthog.capture(event, props);
  },
};
