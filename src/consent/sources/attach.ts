import type { Heed } from '../../types';

/**
 * What one source says now: `'error'` is "no" for this page view only (a CMP error or timeout, a
 * site's Consent Mode default); `undefined` is no decision (no CMP, GDPR does not apply), which
 * leaves the tracker's own rule in charge.
 */
export type View = 'granted' | 'denied' | 'pending' | 'error' | undefined;

/** Options every source takes. */
export interface SourceOptions {
  /**
   * `track()` calls made while the CMP has not answered wait in memory (100 calls, 30 s). On a
   * grant they are sent if a grant was stored on an earlier visit (a returning visitor loses no
   * page view); a first grant drops them unless this is `'buffer'`. A "no" always drops them.
   * @default 'drop'
   * @example fromTCF(heed, { pendingEvents: 'buffer' })
   */
  pendingEvents?: 'drop' | 'buffer';
  /**
   * Global Privacy Control, like Do Not Track, means "no" until an explicit opt-in: a CMP user
   * action (TCF `useractioncomplete`) or the app's `opt_in_tracking()`. `'strict'`: no grant from a
   * source beats GPC; the page view is denied (nothing is persisted).
   * @default 'explicit'
   * @example fromTCF(heed, { gpc: 'strict' })
   */
  gpc?: 'explicit' | 'strict';
}

/** What a source says for each heed purpose it maps (a purpose left out: nothing to say). */
export type Views = View | Record<string, View>;

export interface Source {
  /**
   * Report this source's view, for every purpose or per purpose; `explicit` when a person acted
   * on this page (a CMP user action); `consentString` (a TC or GPP string) goes into the record.
   */
  set(view: Views, explicit?: boolean, consentString?: string): void;
  /** Take this source out of the decision. */
  stop(): void;
}

/** What a source needs of a tracker: its public consent API. Any `Heed<E>` instance fits. */
export type Tracker = Pick<Heed, 'consent' | 'opt_in_tracking' | 'opt_out_tracking'>;

/** What a `fromX()` call returns. */
export interface Stop {
  /** Remove the CMP listener; the source no longer has a say. */
  stop(): void;
}

interface Entry {
  view: Views;
  explicit?: boolean;
  keep: boolean;
  strict: boolean;
  string?: string;
}

// Sources per tracker, combined with AND per purpose. One module instance holds them all, which is
// why the sources ship as one entry point (`heed/consent`).
const attached = new WeakMap<object, Entry[]>();

const viewOf = (s: Entry, p: string): View => (s.view && typeof s.view === 'object' ? s.view[p] : s.view);

/**
 * Combine every source of `heed`, purpose by purpose, and drive its decisions through the public
 * consent API and the gate's hold. `consent.grant` / `consent.deny` are called on a transition
 * only: never a second `$opt_in`, never a profile delete for a CMP "no".
 */
function apply(heed: Tracker, list: Entry[], name: string): void {
  const c = heed.consent;
  const own = c.own();
  const all = c.purposes();
  const gpc = list.some((s) => s.strict) && (navigator as { globalPrivacyControl?: unknown }).globalPrivacyControl === true;
  const explicit = list.some((s) => s.explicit);
  const consentString = (list.filter((s) => s.string)[0] || {}).string;
  const says = all.map((p): View => {
    const has = (v: View) => list.some((s) => viewOf(s, p) === v);
    return has('denied') ? 'denied' : has('error') || gpc ? 'error' : has('pending') ? 'pending' : has('granted') ? 'granted' : undefined;
  });
  const those = (v: View) => all.filter((_p, i) => says[i] === v);
  // Persisted once: a purpose already "no" (stored, or DNT/GPC with nothing stored) is not written again.
  const deny = those('denied').filter((p) => own.purposes[p] !== 'denied');
  if (deny.length) c.deny(deny, { delete_user: false, source: name, consentString });
  // A grant DNT/GPC outranks, or one that expired, needs a person's action on this page.
  const grant = those('granted').filter((p) => (own.decision !== '1' || own.purposes[p] !== 'granted') && (explicit || (!own.signal && own.expired.indexOf(p) < 0)));
  const error = those('error');
  if (those('pending').length) return c.hold('pending', name, list.every((s) => s.keep));
  if (grant.length) c.grant(grant, { source: name, consentString });
  // A CMP error (or the site's default "no") denies those purposes for this page view. Else the
  // hold ends: no decision, a confirmed grant (the waiting calls are sent), or a grant DNT/GPC
  // outranks without a person's action (the closed gate drops them).
  c.hold(error.length ? 'denied' : undefined, name, false, error.length < all.length ? error : undefined);
}

/** Add a source to `heed`; it starts pending, so nothing is sent or written until it answers. */
export function attach(heed: Tracker, name: string, options: SourceOptions): Source {
  let list = attached.get(heed);
  if (!list) attached.set(heed, (list = []));
  const entry: Entry = { view: 'pending', keep: options.pendingEvents === 'buffer', strict: options.gpc === 'strict' };
  const on = () => list!.indexOf(entry);
  list.push(entry);
  apply(heed, list, name);
  return {
    set(view, explicit, consentString) {
      if (on() < 0) return;
      entry.view = view;
      entry.explicit = explicit === true && (typeof view === 'object' ? !!view && Object.keys(view).some((p) => view[p] === 'granted') : view === 'granted');
      entry.string = consentString;
      apply(heed, list!, name);
    },
    stop() {
      if (on() < 0) return;
      list!.splice(on(), 1);
      apply(heed, list!, name);
    },
  };
}

/** A source's map option over its defaults, for the tracker's purposes: `{ purpose: what the CMP calls it }`. */
export const mapped = <T>(heed: Tracker, defaults: Record<string, T>, given: Record<string, T> | undefined): Record<string, T> => {
  const map: Record<string, T> = {};
  const all = { ...defaults, ...given };
  for (const p of heed.consent.purposes()) if (all[p] !== undefined) map[p] = all[p];
  return map;
};

/** Run `then` once the document is parsed (now if it is): a CMP's stub must be in place by then. */
export function parsed(then: () => void): void {
  if (document.readyState !== 'loading') then();
  else addEventListener('DOMContentLoaded', then); // a one-time event: nothing to remove later
}
