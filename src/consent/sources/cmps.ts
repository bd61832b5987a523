/* eslint-disable @typescript-eslint/no-explicit-any -- each CMP's global is its own untyped API */
import type { Stop, Tracker } from './attach';
import { mapped } from './attach';
import { fromSignal, type SignalAnswer, type SignalOptions, type SignalValue } from './signal';

/*
 * Thin presets over fromSignal, one per CMP, reading each vendor's documented page API. Their
 * grants are not "explicit" (the APIs report a state, not a click), so under GPC/DNT they do not opt
 * in: call `heed.opt_in_tracking()` from the CMP's accept callback, or use fromTCF, for that.
 */

const w = () => window as any;

/** What the CMP says of each mapped purpose. */
function each<T>(map: Record<string, T>, says: (what: T) => SignalAnswer): Record<string, SignalAnswer> {
  const out: Record<string, SignalAnswer> = {};
  for (const p in map) out[p] = says(map[p]);
  return out;
}

/** A CMP global that is not there: wait while the page is parsing, then "no CMP here". */
const absent = (): SignalValue => (document.readyState === 'loading' ? undefined : null);

/** Listen to window events; returns the unsubscribe function. */
function on(types: string[], changed: () => void): () => void {
  const listener = () => changed();
  for (const t of types) addEventListener(t, listener);
  return () => {
    for (const t of types) removeEventListener(t, listener);
  };
}

export interface OneTrustOptions extends SignalOptions {
  /** The OneTrust category (group) id for analytics. @default 'C0002' (performance) @example fromOneTrust(heed, { group: 'C0004' }) */
  group?: string;
  /** The OneTrust group for each heed purpose; the keys you give replace the defaults'. @default { analytics: group, marketing: 'C0004' } @example fromOneTrust(heed, { groups: { marketing: 'C0005' } }) */
  groups?: Record<string, string>;
}

/**
 * OneTrust: yes when the group is in `OnetrustActiveGroups`; no once the banner was closed without
 * it; waiting while the banner is open. Follows the `OneTrustGroupsUpdated` window event.
 * @example fromOneTrust(heed, { group: 'C0002' })
 */
export function fromOneTrust(heed: Tracker, { group = 'C0002', groups: given, ...options }: OneTrustOptions = {}): Stop {
  const map = mapped(heed, { analytics: group, marketing: 'C0004' }, given);
  return fromSignal(
    heed,
    () => {
      const groups = w().OnetrustActiveGroups;
      if (typeof groups !== 'string') return w().OneTrust || w().OneTrustStub ? undefined : absent();
      const closed = !!w().OneTrust?.IsAlertBoxClosed?.();
      return each(map, (g) => (groups.split(',').indexOf(g) >= 0 ? true : closed ? false : undefined));
    },
    (changed) => on(['OneTrustGroupsUpdated'], changed),
    { name: 'onetrust', ...options },
  );
}

export interface CookiebotOptions extends SignalOptions {
  /** The Cookiebot category. @default 'statistics' @example fromCookiebot(heed, { category: 'marketing' }) */
  category?: 'statistics' | 'marketing' | 'preferences';
  /** The Cookiebot category for each heed purpose; the keys you give replace the defaults'. @default { analytics: category, marketing: 'marketing' } @example fromCookiebot(heed, { categories: { personalisation: 'preferences' } }) */
  categories?: Record<string, 'statistics' | 'marketing' | 'preferences'>;
}

/**
 * Cookiebot: `Cookiebot.consent[category]` once the visitor responded (or consent was given
 * another way, `consent.method`). Follows `CookiebotOnConsentReady` / `OnAccept` / `OnDecline`.
 * @example fromCookiebot(heed)
 */
export function fromCookiebot(heed: Tracker, { category = 'statistics', categories, ...options }: CookiebotOptions = {}): Stop {
  const map = mapped(heed, { analytics: category, marketing: 'marketing' }, categories);
  return fromSignal(
    heed,
    () => {
      const c = w().Cookiebot;
      if (!c) return absent();
      return c.hasResponse || c.consent?.method ? each(map, (k) => !!c.consent?.[k]) : undefined;
    },
    (changed) => on(['CookiebotOnConsentReady', 'CookiebotOnAccept', 'CookiebotOnDecline'], changed),
    { name: 'cookiebot', ...options },
  );
}

export interface UsercentricsOptions extends SignalOptions {
  /** The service's name as configured in Usercentrics. @default 'Mixpanel' @example fromUsercentrics(heed, { service: 'heed' }) */
  service?: string;
  /** The Usercentrics service for each heed purpose; the keys you give replace the defaults'. @default { analytics: service } @example fromUsercentrics(heed, { services: { marketing: 'Google Ads' } }) */
  services?: Record<string, string>;
}

/**
 * Usercentrics (Browser UI, `window.UC_UI`): the service's consent status once the CMP is
 * initialised and no longer asking (`isConsentRequired()`); a service it does not list is "no".
 * Follows `UC_UI_INITIALIZED`, `UC_CONSENT` and `UC_UI_CMP_EVENT`.
 * @example fromUsercentrics(heed, { service: 'Mixpanel' })
 */
export function fromUsercentrics(heed: Tracker, { service = 'Mixpanel', services, ...options }: UsercentricsOptions = {}): Stop {
  const map = mapped(heed, { analytics: service }, services);
  return fromSignal(
    heed,
    () => {
      const uc = w().UC_UI;
      if (!uc?.isInitialized?.()) return uc || document.getElementById('usercentrics-cmp') ? undefined : absent();
      if (uc.isConsentRequired?.()) return undefined;
      const list = uc.getServicesBaseInfo?.() || [];
      return each(map, (name) => !!list.filter((s: any) => s && s.name === name)[0]?.consent?.status);
    },
    (changed) => on(['UC_UI_INITIALIZED', 'UC_CONSENT', 'UC_UI_CMP_EVENT'], changed),
    { name: 'usercentrics', ...options },
  );
}

export interface DidomiOptions extends SignalOptions {
  /**
   * Didomi purpose ids that must all be enabled.
   * @default ['cookies', 'measure_content_performance'] (TCF purposes 1 and 8)
   * @example fromDidomi(heed, { purposes: ['analytics'] })
   */
  purposes?: string[];
  /** The Didomi purpose ids for each heed purpose; the keys you give replace the defaults'. @default { analytics: purposes, marketing: ['cookies', 'create_ads_profile', 'select_personalized_ads'] } (TCF 1, 3, 4) @example fromDidomi(heed, { mapping: { marketing: ['cookies', 'select_basic_ads'] } }) */
  mapping?: Record<string, string[]>;
}

/**
 * Didomi: no decision where `isConsentRequired()` is false; waiting while
 * `shouldConsentBeCollected()`; else every purpose enabled in `getCurrentUserStatus()`. Follows
 * `didomiOnReady` and the `consent.changed` event.
 * @example fromDidomi(heed)
 */
export function fromDidomi(heed: Tracker, { purposes = ['cookies', 'measure_content_performance'], mapping, ...options }: DidomiOptions = {}): Stop {
  const map = mapped(heed, { analytics: purposes, marketing: ['cookies', 'create_ads_profile', 'select_personalized_ads'] }, mapping);
  return fromSignal(
    heed,
    () => {
      const d = w().Didomi;
      if (!d?.isConsentRequired) return w().didomiConfig ? undefined : absent(); // the snippet sets didomiConfig
      if (!d.isConsentRequired()) return null;
      if (d.shouldConsentBeCollected()) return undefined;
      const status = d.getCurrentUserStatus().purposes || {};
      return each(map, (ids) => ids.every((p) => status[p]?.enabled === true));
    },
    (changed) => {
      let live = true;
      const listener = () => live && changed();
      (w().didomiOnReady = w().didomiOnReady || []).push(listener);
      (w().didomiEventListeners = w().didomiEventListeners || []).push({ event: 'consent.changed', listener });
      // Didomi has no way to remove either: silence ours instead.
      return () => (live = false);
    },
    { name: 'didomi', ...options },
  );
}

export interface KlaroOptions extends SignalOptions {
  /** The service's name in the Klaro config. @default 'mixpanel' @example fromKlaro(heed, { service: 'heed' }) */
  service?: string;
  /** The Klaro service for each heed purpose; the keys you give replace the defaults'. @default { analytics: service } @example fromKlaro(heed, { services: { marketing: 'google-ads' } }) */
  services?: Record<string, string>;
}

/**
 * Klaro: the service's consent once the visitor confirmed (`manager.confirmed`); waiting before.
 * Follows the manager's watchers.
 * @example fromKlaro(heed, { service: 'mixpanel' })
 */
export function fromKlaro(heed: Tracker, { service = 'mixpanel', services, ...options }: KlaroOptions = {}): Stop {
  const map = mapped(heed, { analytics: service }, services);
  const manager = () => w().klaro?.getManager?.();
  return fromSignal(
    heed,
    () => {
      const m = manager();
      if (!m) return w().klaroConfig ? undefined : absent();
      return m.confirmed ? each(map, (name) => !!m.getConsent(name)) : undefined;
    },
    (changed) => {
      const watcher = { update: () => changed() };
      let watched: any;
      const watch = () => {
        if (!watched && (watched = manager())) watched.watch(watcher);
        changed();
      };
      watch();
      // klaro.js is often deferred: it is there by DOMContentLoaded.
      addEventListener('DOMContentLoaded', watch);
      return () => {
        removeEventListener('DOMContentLoaded', watch);
        if (watched) watched.unwatch(watcher);
      };
    },
    { name: 'klaro', ...options },
  );
}
