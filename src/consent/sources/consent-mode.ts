/* eslint-disable @typescript-eslint/no-explicit-any -- dataLayer entries are whatever the page pushed */
import { attach, mapped, parsed, type SourceOptions, type Stop, type Tracker, type View, type Views } from './attach';

export interface ConsentModeOptions extends SourceOptions {
  /**
   * The Consent Mode type heed's `'analytics'` follows (short for `mapping: { analytics: [type] }`).
   * @default 'analytics_storage'
   * @example fromConsentMode(heed, { type: 'ad_storage' })
   */
  type?: string;
  /**
   * For each heed purpose, the Consent Mode types that must all be granted; the keys you give
   * replace the defaults'.
   * @default { analytics: ['analytics_storage'], marketing: ['ad_storage', 'ad_user_data'] }
   * @example fromConsentMode(heed, { mapping: { marketing: ['ad_storage', 'ad_user_data', 'ad_personalization'] } })
   */
  mapping?: Record<string, string[]>;
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
  const map = mapped(heed, { analytics: [options.type || 'analytics_storage'], marketing: ['ad_storage', 'ad_user_data'] }, options.mapping);
  const w = window as any;
  const name = options.dataLayer || 'dataLayer';
  const layer: any[] = (w[name] = w[name] || []);
  const update: Record<string, string> = {};
  const byDefault: Record<string, string> = {};
  let until = 0; // wait_for_update deadline
  let done = false; // the document was parsed
  let timer: ReturnType<typeof setTimeout> | undefined;

  const read = (entry: any) => {
    const values = entry && typeof entry === 'object' && entry[0] === 'consent' && entry[2];
    for (const type in values || {}) {
      const value = values[type];
      if (value !== 'granted' && value !== 'denied') continue;
      if (entry[1] === 'update') update[type] = value;
      else if (entry[1] === 'default' && (value === 'denied' || !values.region) && byDefault[type] !== 'denied') {
        byDefault[type] = value;
        if (values.wait_for_update > 0) until = Math.max(until, Date.now() + values.wait_for_update);
      }
    }
  };

  /** One purpose's view from its types; `null`: nothing said yet, the page still parsing. */
  const viewOf = (types: string[], wait: number): View | null => {
    const open = types.filter((t) => !update[t]);
    if (types.some((t) => update[t] === 'denied')) return 'denied';
    if (!open.length) return 'granted';
    if (open.some((t) => byDefault[t] === 'denied')) return wait > 0 ? 'pending' : 'error';
    if (open.every((t) => byDefault[t])) return undefined;
    return done ? (options.requireCmp ? 'error' : undefined) : null;
  };

  const decide = () => {
    clearTimeout(timer);
    const wait = until - Date.now();
    const views: Views = {};
    let said = false;
    for (const p in map) {
      const v = viewOf(map[p], wait);
      views[p] = v === null ? undefined : v;
      said = said || v !== null;
    }
    if (wait > 0) timer = setTimeout(decide, wait);
    if (said) source.set(views);
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
