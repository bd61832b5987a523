/* eslint-disable @typescript-eslint/no-explicit-any -- dataLayer entries are whatever the page pushed */
import { attach, parsed, type SourceOptions, type Stop, type Tracker } from './attach';

export interface ConsentModeOptions extends SourceOptions {
  /**
   * The Consent Mode type heed follows.
   * @default 'analytics_storage'
   * @example fromConsentMode(heed, { type: 'ad_storage' })
   */
  type?: string;
  /**
   * The name of the page's data layer (GTM's `l` parameter).
   * @default 'dataLayer'
   * @example fromConsentMode(heed, { dataLayer: 'myLayer' })
   */
  dataLayer?: string;
  /**
   * Nothing set for the type by DOMContentLoaded: deny this page view instead of no decision.
   * @default false
   * @example fromConsentMode(heed, { requireCmp: true })
   */
  requireCmp?: boolean;
}

/**
 * Drive `heed`'s consent from Google Consent Mode v2 `consent` commands in the data layer.
 *
 * - `update` is the person's choice (the CMP's): granted opts in, denied opts out.
 * - `default` is the site's, not the person's: `denied` closes the gate for this page view only
 *   (after waiting `wait_for_update` ms for an update, pending meanwhile); `granted` leaves the
 *   tracker's own rule in charge. A region-scoped default that denies is applied to everyone, since
 *   only gtag's internal state knows the visitor's region; one that grants is ignored.
 * - A type never set is no decision (GTM treats it as granted; heed does not).
 *
 * gtag pushes `Arguments` objects, not arrays; both are read. Later pushes are seen by wrapping the
 * data layer's `push` (GTM and gtag.js call the `push` they find, so the wrapper stays in the chain).
 * @example
 * import { fromConsentMode } from 'heed/consent';
 * fromConsentMode(heed); // follows analytics_storage
 */
export function fromConsentMode(heed: Tracker, options: ConsentModeOptions = {}): Stop {
  const source = attach(heed, 'consent-mode', options);
  const type = options.type || 'analytics_storage';
  const w = window as any;
  const name = options.dataLayer || 'dataLayer';
  const layer: any[] = (w[name] = w[name] || []);
  let update: string | undefined;
  let byDefault: string | undefined;
  let until = 0; // wait_for_update deadline
  let done = false; // the document was parsed
  let timer: ReturnType<typeof setTimeout> | undefined;

  const read = (entry: any) => {
    const values = entry && typeof entry === 'object' && entry[0] === 'consent' && entry[2];
    const value = values && values[type];
    if (value !== 'granted' && value !== 'denied') return;
    if (entry[1] === 'update') update = value;
    else if (entry[1] === 'default' && (value === 'denied' || !values.region) && byDefault !== 'denied') {
      byDefault = value;
      if (values.wait_for_update > 0) until = Math.max(until, Date.now() + values.wait_for_update);
    }
  };

  const decide = () => {
    clearTimeout(timer);
    const wait = until - Date.now();
    if (update) source.set(update === 'granted' ? 'granted' : 'denied');
    else if (byDefault === 'denied' && wait > 0) {
      source.set('pending');
      timer = setTimeout(decide, wait);
    } else if (byDefault === 'denied') source.set('error');
    else if (byDefault || done) source.set(byDefault || !options.requireCmp ? undefined : 'error');
  };

  layer.forEach(read);
  const push = layer.push;
  const wrapped = function (this: unknown, ...entries: unknown[]) {
    const result = push.apply(this, entries);
    entries.forEach(read);
    decide();
    return result;
  };
  layer.push = wrapped;
  parsed(() => {
    done = true;
    decide();
  });
  decide();

  return {
    stop() {
      clearTimeout(timer);
      // Put the original back only if nobody wrapped ours since.
      if (layer.push === wrapped) layer.push = push;
      source.stop();
    },
  };
}
