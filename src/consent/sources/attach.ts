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

export interface Source {
  /** Report this source's view; `explicit` when a person acted on this page (a CMP user action). */
  set(view: View, explicit?: boolean): void;
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
  view: View;
  explicit?: boolean;
  keep: boolean;
  strict: boolean;
}

// Sources per tracker, combined with AND. One module instance holds them all, which is why the
// sources ship as one entry point (`heed/consent`).
const attached = new WeakMap<object, Entry[]>();

/**
 * Combine every source of `heed` and drive its one decision through the public consent API and the
 * gate's hold. `opt_in_tracking` / `opt_out_tracking` are called on a transition only: never a
 * second `$opt_in`, never a profile delete for a CMP "no".
 */
function apply(heed: Tracker, list: Entry[], name: string): void {
  const gate = heed.consent;
  const has = (v: View) => list.some((s) => s.view === v);
  const { decision, signal } = gate.own();
  if (has('denied')) {
    // Persisted once. Already "no" (stored, or DNT/GPC with nothing stored): nothing to write.
    if (decision === '0' || (!decision && signal)) gate.hold(undefined, name);
    else heed.opt_out_tracking({ delete_user: false, source: name });
  } else if (has('error') || (list.some((s) => s.strict) && (navigator as { globalPrivacyControl?: unknown }).globalPrivacyControl === true)) {
    gate.hold('denied', name);
  } else if (has('pending')) {
    gate.hold('pending', name, list.every((s) => s.keep));
  } else if (has('granted') && decision !== '1' && (!signal || list.some((s) => s.explicit))) {
    heed.opt_in_tracking({ source: name, track_properties: { $consent_source: name } });
  } else {
    // No decision, a confirmed grant (the waiting calls are sent), or a grant DNT/GPC outranks
    // without a person's action (the closed gate drops them).
    gate.hold(undefined, name);
  }
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
    set(view, explicit) {
      if (on() < 0) return;
      entry.view = view;
      entry.explicit = view === 'granted' && explicit === true;
      apply(heed, list!, name);
    },
    stop() {
      if (on() < 0) return;
      list!.splice(on(), 1);
      apply(heed, list!, name);
    },
  };
}

/** Run `then` once the document is parsed (now if it is): a CMP's stub must be in place by then. */
export function parsed(then: () => void): void {
  if (document.readyState !== 'loading') then();
  else addEventListener('DOMContentLoaded', then); // a one-time event: nothing to remove later
}
