// The script-tag build of `heed/consent`, loaded after heed.iife.min.js: `window.heedConsent` holds
// the sources, and the default instance gets them bound, as `heed.consent.fromTCF(options)`.
import * as sources from '../consent/sources';

const heed = (window as unknown as { heed?: { consent?: Record<string, unknown> } }).heed;
if (heed && heed.consent) {
  for (const [name, from] of Object.entries(sources)) {
    heed.consent[name] = (...args: unknown[]) => (from as (...a: unknown[]) => unknown)(heed, ...args);
  }
}

export default sources;
