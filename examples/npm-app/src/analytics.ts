import { createHeed } from 'heed';
import type { Events } from './events';

/** The app's one tracker, typed by its event map. */
export const heed = createHeed<Events>();

heed.init('npm-app-example', {
  // This example's collector also serves the app; with Mixpanel: 'us', 'eu' or 'in'.
  api_host: location.origin,
  // Nothing is stored or sent until the person turns analytics on in the settings.
  opt_out_tracking_by_default: true,
  batch_flush_interval_ms: 1000,
});
