/* eslint-disable @typescript-eslint/no-explicit-any -- TCData is the CMP's JSON */
import type { Stop, Views, Tracker } from './attach';
import { mapped } from './attach';
import { watchCmp, type CmpOptions } from './cmp';

export interface TCFOptions extends CmpOptions {
  /**
   * TCF purposes that must all be allowed for heed's `'analytics'` (short for
   * `mapping: { analytics: [...] }`). 1 is "store and/or access information on a device" (heed's
   * storage), 8 "measure content performance". Where the publisher's country does not require
   * Purpose 1 (`purposeOneTreatment`), pass `[8]`.
   * @default [1, 8]
   * @example fromTCF(heed, { purposes: [1, 8, 9] })
   */
  purposes?: number[];
  /**
   * For each heed purpose, the TCF purposes that must all be allowed; the keys you give replace
   * the defaults'. A heed purpose with no entry is left to other sources and the tracker's rule.
   * @default { analytics: [1, 8], marketing: [1, 3, 4] }
   * @example fromTCF(heed, { mapping: { marketing: [1, 2, 3, 4, 7] } })
   */
  mapping?: Record<string, number[]>;
  /**
   * Purposes for which legitimate interest is enough (the person did not object) instead of
   * consent. Purpose 1 is consent-only under TCF 2.2.
   * @default []
   * @example fromTCF(heed, { legitimateInterest: [8] })
   */
  legitimateInterest?: number[];
  /**
   * Your Global Vendor List id, if you have one: the vendor signal is then required as well as the
   * purpose signal, and the publisher's restrictions for that vendor apply (0 not allowed,
   * 1 consent required, 2 legitimate interest required).
   * @example fromTCF(heed, { vendorId: 1126 })
   */
  vendorId?: number;
  /**
   * What a CMP saying GDPR does not apply (`gdprApplies: false`) means.
   * @default 'no-decision'
   * @example fromTCF(heed, { whenGdprDoesNotApply: 'grant' })
   */
  whenGdprDoesNotApply?: 'grant' | 'no-decision';
}

/** Whether TCData allows purpose `p` (TCF Implementation Guidelines: restrictions first, then purpose and vendor). */
function allows(d: any, p: number, o: TCFOptions): boolean {
  const id = o.vendorId;
  const restriction = id && d.publisher?.restrictions?.[p]?.[id];
  const signal = (basis: string) => d.purpose?.[basis]?.[p] && (!id || d.vendor?.[basis]?.[id]);
  const li = (o.legitimateInterest || []).indexOf(p) >= 0 && signal('legitimateInterests');
  // 0: not allowed; 1: consent required; 2: legitimate interest required.
  return restriction !== 0 && !!((restriction !== 2 && signal('consents')) || (restriction !== 1 && li));
}

/** What one addEventListener answer says; `0` while only the stub (or a loading CMP) speaks. */
function read(d: any, success: boolean | undefined, o: TCFOptions, map: Record<string, number[]>): Views | 0 {
  // success false: the listener could not be registered; a CMP in error answers that way.
  if (!d || success === false || d.cmpStatus === 'error') return 'error';
  if (d.gdprApplies === false) return o.whenGdprDoesNotApply === 'grant' ? 'granted' : undefined;
  const event = d.eventStatus;
  // `cmpuishown` carries every consent false: it means "asking", never "no".
  if (event === 'cmpuishown') return 'pending';
  if ((event !== 'tcloaded' && event !== 'useractioncomplete') || d.gdprApplies !== true || /stub|loading/.test(d.cmpStatus)) return 0;
  const views: Views = {};
  for (const p in map) views[p] = map[p].every((id) => allows(d, id, o)) ? 'granted' : 'denied';
  return views;
}

/**
 * Drive `heed`'s consent from an IAB TCF v2.2 CMP (`__tcfapi`, or the `__tcfapiLocator` frame when
 * heed runs in an iframe). Acts on `tcloaded` and `useractioncomplete` (the latter is a person's
 * explicit choice, which beats GPC/DNT); `cmpuishown` is pending, never "no"; a CMP error or
 * timeout denies this page view only.
 * @example
 * import heed from 'heed';
 * import { fromTCF } from 'heed/consent';
 * heed.init('TOKEN', { opt_out_tracking_by_default: true });
 * const tcf = fromTCF(heed, { purposes: [1, 8], legitimateInterest: [8] });
 * // later: tcf.stop();
 */
export function fromTCF(heed: Tracker, options: TCFOptions = {}): Stop {
  const map = mapped(heed, { analytics: options.purposes || [1, 8], marketing: [1, 3, 4] }, options.mapping);
  return watchCmp(
    heed,
    'tcf',
    options,
    '__tcfapi',
    2,
    (f, command, parameter, callback) => f(command, 2, callback, parameter),
    (d, success) => read(d, success, options, map),
    (d) => d && d.tcString,
  );
}
