import { trackerFactory } from '../tracker';
import type { Platform } from '../platform';
import { cookieStore } from '../storage/cookie';
import { webStorage } from '../storage/web-storage';
import { memoryStore } from '../storage/memory';
import { dropDatabaseIfEmpty, idbStore } from '../storage/indexeddb';
import { jsonStore } from '../storage/json';
import type { Config, Properties } from '../types';
import { deviceProperties } from './device';
import { listen, onUrlChange } from './navigation';
import { referringDomain } from '../attribution';
import { P } from '../intrinsics';
import { noop } from '../config';
import type { StoreFailure } from '../storage/types';

const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'yes';

/** Whether `indexedDB` can be used: where site data is blocked its getter throws a SecurityError. */
const hasIndexedDB = (): boolean => {
  try {
    return typeof indexedDB !== 'undefined' && !!indexedDB;
  } catch {
    return false;
  }
};

let page: Properties | undefined;
let fresh = false;

const cookies = (prefix: string, config: Config, onFailure: StoreFailure) =>
  cookieStore(prefix, {
    domain: config.cookie_domain || undefined,
    days: config.cookie_expiration,
    secure: config.secure_cookie,
    crossSubdomain: config.cross_subdomain_cookie,
    sameSite: config.cross_site_cookie ? 'None' : 'Lax',
  }, onFailure);

const asDecision = (v: string | undefined) => (v === '0' || v === '1' ? v : undefined);

/**
 * Web Locks (Safari 15.4+, Chrome 69+, Firefox 96+) for the outbox: each instance holds its own lock
 * while its page lives; an adoption of orphans holds the token's. Without them (an old browser, an
 * opaque origin) heed sends and de-duplicates instead. Holding waits 1 s at most for the lock.
 */
function lease(token: string) {
  let locks: LockManager | undefined;
  try {
    locks = navigator.locks;
  } catch {
    return undefined;
  }
  if (!locks) return undefined;
  const prefix = `heed:${token}:`;
  return {
    hold: (tab: string) =>
      new P<void>((resolve) => {
        setTimeout(resolve, 1000);
        locks!.request(prefix + tab, () => (resolve(), new P<void>(noop))).catch(() => resolve());
      }),
    alive: async () => {
      const { held = [] } = await locks!.query().catch(() => ({ held: [] as LockInfo[] }));
      return new Set(held.map((l) => l.name || '').filter((n) => n.indexOf(prefix) === 0).map((n) => n.slice(prefix.length)));
    },
    alone: <T>(fn: () => Promise<T>) => locks!.request(`heed:${token}`, fn) as Promise<T>,
  };
}

const platform: Platform = {
  store(kind, prefix, config, onFailure) {
    if (kind === 'cookie') return cookies(prefix, config, onFailure);
    return kind === 'localStorage' ? webStorage('localStorage', prefix, onFailure) : memoryStore(prefix);
  },
  legacyFlags(config, token, onFailure) {
    // mixpanel-browser wrote its flag in a cookie in older versions and under
    // `opt_out_tracking_persistence_type: 'cookie'`; a server may have set `mp_optout`.
    const prefix = config.opt_out_tracking_cookie_prefix;
    const other = config.opt_out_tracking_persistence_type === 'cookie' ? webStorage('localStorage', prefix, onFailure) : cookies(prefix, config, onFailure);
    const optout = cookies('', config, onFailure);
    return [
      { read: () => asDecision(other.get(token)), remove: () => other.remove(token) },
      { read: () => (optout.get('mp_optout') !== undefined ? '0' : undefined), remove: () => optout.remove('mp_optout'), weak: true },
    ];
  },
  signal(config) {
    const n = navigator as Navigator & { msDoNotTrack?: unknown; globalPrivacyControl?: unknown };
    const w = window as Window & { doNotTrack?: unknown };
    return (!config.ignore_dnt && (truthy(n.doNotTrack) || truthy(n.msDoNotTrack) || truthy(w.doNotTrack))) ||
      (!config.ignore_gpc && truthy(n.globalPrivacyControl));
  },
  context() {
    const p = deviceProperties(navigator.userAgent, navigator.vendor || '');
    p.$screen_height = screen.height;
    p.$screen_width = screen.width;
    const ref = document.referrer;
    if (ref) {
      p.$referrer = ref;
      p.$referring_domain = referringDomain(ref);
    }
    return p;
  },
  people() {
    const d = deviceProperties(navigator.userAgent, navigator.vendor || '');
    const info: Properties = {};
    for (const key of ['$os', '$browser', '$browser_version']) if (key in d) info[key] = d[key];
    return info;
  },
  page: () => {
    // Read once per task: a loop of track() calls shares it, a navigation comes in a later task.
    if (!fresh) {
      fresh = true;
      queueMicrotask(() => (fresh = false));
      const href = location.href;
      if (!page || page.$current_url !== href) page = { $current_url: href };
    }
    return page!;
  },
  pageview: () => ({
    current_page_title: document.title,
    current_domain: location.hostname,
    current_url_path: location.pathname,
    current_url_protocol: location.protocol,
    current_url_search: location.search,
  }),
  // IndexedDB where it exists, else localStorage; a store that fails at run time goes to memory.
  outbox: (token, onFailure) =>
    hasIndexedDB()
      ? idbStore(token + ':', onFailure)
      : jsonStore(webStorage('localStorage', `heed_outbox_${token}_`, onFailure)),
  purge: () => (hasIndexedDB() ? dropDatabaseIfEmpty() : P.resolve(true)),
  markStore: (onFailure) => webStorage('localStorage', 'heed_sent_', onFailure),
  lease,
  beacon(url, body) {
    try {
      return navigator.sendBeacon(url, new Blob([body], { type: 'application/x-www-form-urlencoded' }));
    } catch {
      return false; // missing, or a page's broken wrapper: the batch stays queued
    }
  },
  online: () => navigator.onLine !== false,
  lifecycle(on) {
    addEventListener('pagehide', on.hide);
    addEventListener('online', on.online);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') on.hidden();
    });
  },
  onUrlChange: (listener) => onUrlChange(listener, () => (fresh = false)),
  listen,
  channel(name, receive) {
    if (typeof BroadcastChannel !== 'function') return noop;
    const ch = new BroadcastChannel(name);
    ch.onmessage = (e: MessageEvent) => receive(e.data);
    // Where the browser build runs in Node (jsdom set-ups, SSR tests) the channel must not keep the process alive.
    (ch as { unref?: () => void }).unref?.();
    return (data) => ch.postMessage(data);
  },
};

/** A new, uninitialised tracker; `E` maps event names to their properties. */
export const createHeed = /* @__PURE__ */ trackerFactory(platform);

/** The default instance, as `mixpanel` is for mixpanel-browser. */
const heed = /* @__PURE__ */ createHeed();
export default heed;

export { HeedError, isHeedError } from '../errors';
export type * from '../types';
// Data-subject requests (issue 5): standalone functions, so unused ones are tree-shaken away.
export { requestDataDeletion, requestDataExport, getDataRequestStatus, requestOptOut } from '../privacy/browser';
export type { DataExportOptions, DataRequestOptions, DataSubject } from '../privacy/browser';
export type { ComplianceType, DataRequestStatus, DisclosureType, OptOutStatus, TaskKind, TaskStatus } from '../privacy/types';
