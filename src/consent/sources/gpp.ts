/* eslint-disable @typescript-eslint/no-explicit-any -- GPP answers are the CMP's JSON */
import type { Stop, Views, Tracker } from './attach';
import { mapped } from './attach';
import { watchCmp, type CmpOptions } from './cmp';

export interface GPPOptions extends CmpOptions {
  /**
   * US section fields that mean "no" when they are `1` (opted out). `uspv1`'s `OptOutSale` counts
   * as `SaleOptOut`.
   * @default ['SaleOptOut', 'SharingOptOut']
   * @example fromGPP(heed, { optOutOn: ['SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut'] })
   */
  optOutOn?: string[];
  /**
   * Treat the GPC sub-section (`Gpc: true`) of an applicable US section as "no".
   * @default true
   * @example fromGPP(heed, { gpcSubsection: false })
   */
  gpcSubsection?: boolean;
  /**
   * For each heed purpose, the US fields that deny it (`'Gpc'`: the GPC sub-section); the keys
   * you give replace the defaults'.
   * @default every purpose: `optOutOn`, and `'Gpc'` unless `gpcSubsection` is false
   * @example fromGPP(heed, { mapping: { analytics: [], marketing: ['SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut', 'Gpc'] } })
   */
  mapping?: Record<string, string[]>;
}

// GPP section ids 6 to 27 ("Section Information.md"): the legacy US Privacy string, usnat, then the states.
const US = /* @__PURE__ */ 'uspv1 usnat usca usva usco usut usct usfl usmt usor ustx usde usia usne usnh usnj ustn usmn usmd usin usky usri'.split(' ');

/** What one event's PingReturn says, per purpose of `map`; `0` until the CMP's signal is ready. */
function read(e: any, success: boolean | undefined, map: Record<string, string[]>): Views | 0 {
  const ping = e && e.pingData;
  if (success === false || (ping && ping.cmpStatus === 'error')) return 'error';
  if (!ping) return 0;
  // The stub, or a CMP still loading: keep waiting (the timeout runs).
  if (ping.cmpStatus !== 'loaded') return 0;
  // GPP 1.1: "not ready" means the CMP is changing a section: pause. GPP 1.0 has no signalStatus.
  if (ping.signalStatus && ping.signalStatus !== 'ready') return 'pending';
  const ids: number[] = ping.applicableSections || [];
  // The EU TCF section applies: that is fromTCF's decision to make.
  if (ids.indexOf(2) >= 0) return undefined;
  let us = false;
  const hit: Record<string, boolean> = {};
  for (const id of ids) {
    const name = US[id - 6];
    if (!name) continue;
    us = true;
    // The spec: an array of sub-sections, the core first, GPC as `SubsectionType: 1`. iabgpp-es: one flat object.
    const section = ping.parsedSections?.[name];
    const parts: any[] = Array.isArray(section) ? section : [section];
    const core = parts[0] || {};
    for (const f in core) if (core[f] === 1) hit[f === 'OptOutSale' ? 'SaleOptOut' : f] = true;
    if (Array.isArray(section) ? parts.some((s) => s && s.SubsectionType === 1 && s.Gpc === true) : core.GpcSegmentIncluded !== false && core.Gpc === true) hit.Gpc = true;
  }
  // No US section applies ([-1], or only non-US ones): nothing to say.
  if (!us) return undefined;
  const views: Views = {};
  for (const p in map) views[p] = map[p].some((f) => hit[f]) ? 'denied' : 'granted';
  return views;
}

/**
 * Drive `heed`'s consent from an IAB GPP CMP (`__gpp` v1.1, or a v1.0-style stub that returns
 * values). Acts only when `signalStatus` is `'ready'`; reads the applicable US sections' opt-outs
 * and GPC sub-section; leaves the decision to `fromTCF` when the EU TCF section applies.
 * @example
 * import { fromGPP, fromTCF } from 'heed/consent';
 * fromTCF(heed);
 * fromGPP(heed, { optOutOn: ['SaleOptOut', 'SharingOptOut'] });
 */
export function fromGPP(heed: Tracker, options: GPPOptions = {}): Stop {
  const fields = (options.optOutOn || ['SaleOptOut', 'SharingOptOut']).concat(options.gpcSubsection === false ? [] : ['Gpc']);
  const all: Record<string, string[]> = {};
  for (const p of heed.consent.purposes()) all[p] = fields;
  const map = mapped(heed, all, options.mapping);
  return watchCmp(
    heed,
    'gpp',
    options,
    '__gpp',
    undefined,
    (f, command, parameter, callback) => {
      // GPP 1.0, and the spec's own sample stub (IAB GPP #87), return the answer instead of calling back.
      const returned = f(command, callback, parameter);
      if (returned && typeof returned === 'object') callback(returned);
    },
    (e, success) => read(e, success, map),
    (e) => e && e.pingData && e.pingData.gppString,
  );
}
