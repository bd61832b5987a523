import { attach, parsed, type SourceOptions, type Stop, type Tracker, type View, type Views } from './attach';

export interface SignalOptions extends SourceOptions {
  /**
   * The name `onConsentChange` listeners see and `$opt_in`'s `$consent_source` carries.
   * @default 'signal'
   * @example fromSignal(heed, get, subscribe, { name: 'my-banner' })
   */
  name?: string;
}

/** What a banner says of one purpose, or of all: `true` yes, `false` no, `undefined` not yet, `null` nothing to say. */
export type SignalAnswer = boolean | null | undefined;

/**
 * What a banner says now: `true` yes, `false` no, `undefined` not yet (loading, or showing its UI:
 * heed waits), `null` nothing to say (no banner on this page, not required here); or that per
 * heed purpose, `{ analytics: true, marketing: false }` (a purpose left out: nothing to say).
 */
export type SignalValue = SignalAnswer | Record<string, SignalAnswer>;

const viewOf = (v: SignalAnswer): View => (v === true ? 'granted' : v === false ? 'denied' : v === null ? undefined : 'pending');

/**
 * Drive `heed`'s consent from any banner. `get` reads its state; `subscribe` calls `changed` when
 * that may have changed and returns an unsubscribe function. Pass `changed(true)` when a person
 * just clicked "accept": such a grant is explicit and beats GPC/DNT.
 * @example
 * fromSignal(
 *   heed,
 *   () => ({ yes: true, no: false })[localStorage.getItem('my-consent') ?? ''],
 *   (changed) => {
 *     const onClick = () => changed(true);
 *     acceptButton.addEventListener('click', onClick);
 *     return () => acceptButton.removeEventListener('click', onClick);
 *   },
 *   { name: 'my-banner' },
 * );
 */
export function fromSignal(
  heed: Tracker,
  get: () => SignalValue,
  subscribe: (changed: (explicit?: boolean) => void) => (() => void) | void,
  options: SignalOptions = {},
): Stop {
  const source = attach(heed, options.name || 'signal', options);
  const check = (explicit?: unknown) => {
    let value: SignalValue;
    try {
      value = get();
    } catch {
      return source.set('error'); // a banner that throws cannot say yes
    }
    let views: Views;
    if (value && typeof value === 'object') {
      views = {};
      for (const p in value) views[p] = viewOf(value[p]);
    } else views = viewOf(value);
    source.set(views, explicit === true);
  };
  const unsubscribe = subscribe(check);
  check();
  // Presets answer `null` for "no CMP" only once the page is parsed: ask again then.
  parsed(() => check());
  return {
    stop() {
      if (typeof unsubscribe === 'function') unsubscribe();
      source.stop();
    },
  };
}
