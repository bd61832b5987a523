import type { Store } from '../storage/types';
import type { ConsentListener, ConsentSource, ConsentStatus } from '../types';

/** The persisted decision, in Mixpanel's format: `'1'` opted in, `'0'` opted out. */
export type Decision = '1' | '0';

export interface ConsentOptions {
  /** The flag store (its prefix is the flag prefix); the flag's key is the project token. */
  flag: Store;
  key: string;
  /** `opt_out_tracking_by_default`: no decision means "not yet". */
  byDefault(): boolean;
  /** A browser or environment signal (DNT, GPC, `DO_NOT_TRACK`) that means "no" until an explicit opt-in. */
  signal(): boolean;
  /** The flag store failed: the decision cannot be known, so the gate stays closed. */
  failed(): boolean;
  /** Called when the status changes. */
  onChange: ConsentListener;
}

export interface Consent {
  status(): ConsentStatus;
  decision(): Decision | undefined;
  /** Persist a decision (`undefined` clears it) and notify listeners if the status changed. */
  set(decision: Decision | undefined, source: ConsentSource): void;
  /** Take a decision another tab persisted: no write, just the cache and listeners. */
  adopt(decision: Decision | undefined, source: ConsentSource): void;
}

/**
 * The decision state machine. An explicit decision wins over signals; without one, a signal or
 * `opt_out_tracking_by_default` keeps the gate closed. Anything unknown is "not allowed".
 */
export function createConsent(options: ConsentOptions): Consent {
  // The flag is read once and then kept in step by set/adopt, so track() never hits storage.
  let cached: Decision | undefined | null = null;

  const decision = (): Decision | undefined => {
    if (cached === null) {
      const stored = options.flag.get(options.key);
      cached = stored === '1' || stored === '0' ? stored : undefined;
    }
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

  const change = (next: Decision | undefined, source: ConsentSource, write: boolean) => {
    const before = status();
    if (write) {
      if (next) options.flag.set(options.key, next);
      else options.flag.remove(options.key);
    }
    cached = next;
    const after = status();
    if (after !== before) options.onChange(after, source);
  };

  return {
    status,
    decision,
    set: (d, source) => change(d, source, true),
    adopt: (d, source) => change(d, source, false),
  };
}
