/* eslint-disable @typescript-eslint/no-explicit-any -- TCData is the CMP's JSON */
import type { Stop, View, Tracker } from './attach';
import { watchCmp, type CmpOptions } from './cmp';

export interface TCFOptions extends CmpOptions {
  /**
   * TCF purposes that must all be allowed. 1 is "store and/or access information on a device"
   * (heed's storage), 8 "measure content performance". Where the publisher's country does not
   * require Purpose 1 (`purposeOneTreatment`), pass `[8]`.
   * @default [1, 8]
   * @example fromTCF(heed, { purposes: [1, 8, 9] })
   */
  purposes?: number[];
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
function read(d: any, success: boolean | undefined, o: TCFOptions): View | 0 {
  // success false: the listener could not be registered; a CMP in error answers that way.
  if (!d || success === false || d.cmpStatus === 'error') return 'error';
  if (d.gdprApplies === false) return o.whenGdprDoesNotApply === 'grant' ? 'granted' : undefined;
  const event = d.eventStatus;
  // `cmpuishown` carries every consent false: it means "asking", never "no".
  if (event === 'cmpuishown') return 'pending';
  if ((event !== 'tcloaded' && event !== 'useractioncomplete') || d.gdprApplies !== true || /stub|loading/.test(d.cmpStatus)) return 0;
  return (o.purposes || [1, 8]).every((p) => allows(d, p, o)) ? 'granted' : 'denied';
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
  return watchCmp(
    heed,
    'tcf',
    options,
    '__tcfapi',
    2,
    (f, command, parameter, callback) => f(command, 2, callback, parameter),
    (d, success) => read(d, success, options),
  );
}
