import type { Properties, PropertyValue } from './types';

/** The campaign parameters mixpanel-browser reads (utils.js `CAMPAIGN_KEYWORDS`). */
export const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'utm_id', 'utm_source_platform', 'utm_campaign_id', 'utm_creative_format', 'utm_marketing_tactic'];
/** The ad click ids it reads (`CLICK_IDS`). */
export const CLICK_IDS = ['dclid', 'fbclid', 'gclid', 'ko_click_id', 'li_fat_id', 'msclkid', 'sccid', 'ttclid', 'twclid', 'wbraid'];

/** `key`'s value in `url`'s query, form-decoded; a `#…?key=` part counts too, as mixpanel-browser reads it. */
export function param(url: string, key: string): string {
  const m = new RegExp('[?&]' + key + '=([^&#]*)').exec(url);
  if (!m) return '';
  const raw = m[1].replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed: kept as sent
  }
}

/** The `keys` `url` carries. */
export function params(url: string, keys: readonly string[]): Properties {
  const out: Properties = {};
  for (const key of keys) {
    const v = param(url, key);
    if (v) out[key] = v;
  }
  return out;
}

/** The campaign (`utm_*`) and ad click ids `url` carries: what every event and page view gets. */
export const campaign = (url: string): Properties => (url ? params(url, UTM.concat(CLICK_IDS)) : {});

/** The host part of a referrer, as mixpanel-browser takes it (`''` when there is none). */
export const referringDomain = (referrer: string): string => referrer.split('/')[2] || '';

/** mixpanel-browser's search engines, in its order; the group is the engine's name. */
const ENGINES = [/^https?:\/\/.*(google)\./, /^https?:\/\/.*(bing)\.com/, /^https?:\/\/.*(yahoo)\.com/, /^https?:\/\/.*(duckduckgo)\.com/];

/** `$search_engine` and `mp_keyword` (`q`, or `p` for Yahoo) of a search engine referrer. */
export function searchInfo(referrer: string): Properties {
  const found = ENGINES.map((re) => re.exec(referrer)).find((m) => m);
  if (!found) return {};
  const info: Properties = { $search_engine: found[1] };
  const keyword = param(referrer, found[1] === 'yahoo' ? 'p' : 'q');
  if (keyword) info.mp_keyword = keyword;
  return info;
}

/** The parts of the identity the landing page writes to (through `register`, so nothing is stored before consent). */
export interface Attributed {
  register(props: Properties, options?: undefined, once?: { dflt: PropertyValue | undefined }): void;
  unregister(name: string): void;
}

/** What the marketing options ask of a page load. */
export interface MarketingOptions {
  store_google: boolean;
  stop_utm_persistence: boolean;
  save_referrer: boolean;
  skip_first_touch_marketing: boolean;
}

/**
 * At init, what the landing page says about where the visitor came from, kept as super
 * properties (mixpanel-browser's `_set_default_superprops`): the search keyword, the campaign
 * (`store_google`), the first referrer, and the first-touch campaign that `identify` puts on the
 * person's profile once (all ten `initial_utm_*`, the absent ones `null`: UTMs act as a tuple).
 */
export function landing(who: Attributed, o: MarketingOptions, url: string, referrer: string): void {
  const utm = params(url, UTM);
  who.register(searchInfo(referrer));
  if (o.store_google) {
    if (o.stop_utm_persistence) for (const key of UTM) who.unregister(key);
    else who.register(utm);
  }
  if (o.save_referrer) {
    who.register({ $initial_referrer: referrer || '$direct', $initial_referring_domain: referringDomain(referrer) || '$direct' }, undefined, { dflt: '' });
  }
  if (!o.skip_first_touch_marketing && Object.keys(utm).length) {
    const first: Properties = {};
    for (const key of UTM) first['initial_' + key] = utm[key] || null;
    who.register({ __first_touch: first }, undefined, { dflt: undefined });
  }
}
