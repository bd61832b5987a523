import type { Store } from '../storage/types';
import type { ConsentStatus } from '../types';

/** The persisted decision, in Mixpanel's format: `'1'` opted in, `'0'` opted out. */
export type Decision = '1' | '0';

/**
 * A place where another configuration, or mixpanel-browser, may have left a decision: the flag
 * under the other persistence type, or the legacy `mp_optout` cookie.
 */
export interface LegacyFlag {
  read(): Decision | undefined;
  remove(): void;
  /** Counts only when no explicit flag is stored anywhere (mixpanel-browser's `mp_optout`). */
  weak?: boolean;
}

export interface ConsentOptions {
  /** The flag store (its prefix is the flag prefix); the flag's key is the project token. */
  flag: Store;
  key: string;
  /**
   * Decisions stored elsewhere, moved into `flag` on the first read and removed once it holds
   * them. A "no" found anywhere wins, so a switch of persistence type never loses a refusal.
   */
  legacy?: LegacyFlag[];
  /** `opt_out_tracking_by_default`: no decision means "not yet". */
  byDefault(): boolean;
  /** A browser or environment signal (DNT, GPC, `DO_NOT_TRACK`) that means "no" until an explicit opt-in. */
  signal(): boolean;
  /** The flag store failed: the decision cannot be known, so the gate stays closed. */
  failed(): boolean;
}

export interface Consent {
  status(): ConsentStatus;
  decision(): Decision | undefined;
  /** Persist a decision (`undefined` clears it). Listeners are the gate's business, told after the effects. */
  set(decision: Decision | undefined): void;
  /** Take a decision another tab persisted: no write, just the cache. */
  adopt(decision: Decision | undefined): void;
}

/**
 * The decision state machine. An explicit decision wins over signals; without one, a signal or
 * `opt_out_tracking_by_default` keeps the gate closed. Anything unknown is "not allowed".
 */
export function createConsent(options: ConsentOptions): Consent {
  // The flag is read once and then kept in step by set/adopt, so track() never hits storage.
  let cached: Decision | undefined | null = null;

  const read = (): Decision | undefined => {
    const stored = options.flag.get(options.key);
    return stored === '1' || stored === '0' ? stored : undefined;
  };

  /** Remove the legacy copies, but only once the flag store really holds the decision. */
  const dropLegacy = (found: LegacyFlag[]) => {
    if (!options.failed()) for (const l of found) l.remove();
  };

  /** The stored decision, taking in what the legacy places hold (explicit "no" first). */
  const migrate = (): Decision | undefined => {
    const own = read();
    const found = (options.legacy || []).filter((l) => l.read() !== undefined);
    if (!found.length) return own;
    const says = (d: Decision, weak: boolean) => found.some((l) => !!l.weak === weak && l.read() === d);
    const merged: Decision | undefined =
      own === '0' || says('0', false) ? '0' : own === '1' || says('1', false) ? '1' : says('0', true) ? '0' : undefined;
    if (merged && merged !== own) options.flag.set(options.key, merged);
    dropLegacy(found);
    return merged;
  };

  const decision = (): Decision | undefined => {
    if (cached === null) cached = migrate();
    return cached;
  };

  const status = (): ConsentStatus => {
    const d = decision();
    if (d === '1') return 'granted';
    if (d === '0') return 'denied';
    if (options.failed()) return 'pending';
    if (options.signal()) return 'denied';
    return options.byDefault() ? 'pending' : 'granted';
  };

  const change = (next: Decision | undefined, write: boolean) => {
    if (write) {
      if (next) options.flag.set(options.key, next);
      else options.flag.remove(options.key);
      // A copy left under the other persistence type would otherwise come back at the next init.
      dropLegacy((options.legacy || []).filter((l) => l.read() !== undefined));
    }
    cached = next;
  };

  return {
    status,
    decision,
    set: (d) => change(d, true),
    adopt: (d) => change(d, false),
  };
}
