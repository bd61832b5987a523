/** @jest-environment jsdom */
/**
 * fromGPP against the spec-following fake `__gpp` (heed/testing, both 1.1 and a 1.0-style stub)
 * and against the IAB's own implementation (@iabgpp/cmpapi), whose parsedSections are flat objects.
 */
import { CmpApi, GppModel } from '@iabgpp/cmpapi';
import { fromGPP, fromTCF } from '../../../src/consent/sources';
import { createGppCmp, createTcfCmp } from '../../../src/testing';
import { FLAG, stored, useWorld } from './setup';

const world = useWorld();
const NOT_OPTED_OUT = { usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 } };

describe('with the fake __gpp', () => {
  it('waits through the spec’s event order and decides only on signalStatus "ready"', async () => {
    const cmp = createGppCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    const seen: string[] = [];
    fromGPP(w.heed);
    w.heed.onConsentChange((s) => void seen.push(`${s} after ${cmp.events[cmp.events.length - 1]}`));
    cmp.load({ sections: NOT_OPTED_OUT });
    expect(cmp.events).toEqual(['cmpStatus:loaded', 'cmpDisplayStatus:hidden', 'signalStatus:not ready', 'sectionChange:usnat', 'signalStatus:ready']);
    expect(seen).toEqual(['granted after signalStatus:ready']);
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(w.server.accepted('track')[0].properties.$consent_source).toBe('gpp');
  });

  it.each([
    ['SaleOptOut', { usnat: { SaleOptOut: 1, SharingOptOut: 2 } }],
    ['SharingOptOut', { usnat: { SaleOptOut: 2, SharingOptOut: 1 } }],
    ['a state section (usca)', { usca: { SaleOptOut: 2, SharingOptOut: 1 } }],
    ['the legacy US Privacy section (uspv1 OptOutSale)', { uspv1: { OptOutSale: 1 } }],
    ['the GPC sub-section', { usnat: { SaleOptOut: 2, SharingOptOut: 2, Gpc: true } }],
  ])('an opt-out through %s is a persisted "no", without a profile delete', async (_name, sections) => {
    const cmp = createGppCmp();
    const w = await world({}, '1');
    w.heed.identify('user-3');
    fromGPP(w.heed);
    cmp.load({ sections });
    await w.settle();
    expect(w.heed.consent.status()).toBe('denied');
    expect(w.server.requests).toHaveLength(0);
    expect(stored()).toEqual([FLAG]);
    expect(localStorage.getItem(FLAG)).toBe('0');
  });

  it('the fields that count are configurable, and so is the GPC sub-section', async () => {
    const targeted = { usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 1 } };
    let cmp = createGppCmp();
    let w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed);
    cmp.load({ sections: targeted });
    expect(w.heed.consent.status()).toBe('granted');

    cmp = createGppCmp();
    w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed, { optOutOn: ['TargetedAdvertisingOptOut'] });
    cmp.load({ sections: targeted });
    expect(w.heed.consent.status()).toBe('denied');

    cmp = createGppCmp();
    w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed, { gpcSubsection: false });
    cmp.load({ sections: { usnat: { SaleOptOut: 2, SharingOptOut: 2, Gpc: true } } });
    expect(w.heed.consent.status()).toBe('granted');
  });

  it('a later opt-out goes "not ready" (pending) then "ready" (denied)', async () => {
    const cmp = createGppCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed);
    cmp.load({ sections: NOT_OPTED_OUT });
    cmp.update({ sections: { usnat: { SaleOptOut: 1, SharingOptOut: 2 } } });
    expect(w.changes).toEqual(['granted:gpp', 'pending:gpp', 'denied:gpp']);
  });

  it('no applicable section ([-1]) is no decision', async () => {
    const cmp = createGppCmp();
    const w = await world();
    fromGPP(w.heed);
    w.heed.track('page');
    cmp.load({ applicable: [-1] });
    expect(await w.settle()).toEqual(['page']);
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it('defers to fromTCF when the EU TCF section applies', async () => {
    const gpp = createGppCmp();
    const tcf = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed);
    fromTCF(w.heed);
    gpp.load({ sections: { tcfeuv2: {} } });
    expect(w.heed.consent.status()).toBe('pending'); // GPP has nothing to say; TCF has not answered
    tcf.load({ purposes: [1, 8] });
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(w.server.accepted('track')[0].properties.$consent_source).toBe('tcf');
  });

  it('a CMP error denies the page view only', async () => {
    const cmp = createGppCmp();
    const w = await world({}, '1');
    fromGPP(w.heed);
    cmp.error();
    expect(w.heed.consent.status()).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBe('1');
  });

  it('a 1.0-style stub that returns values (and has no signalStatus) works', async () => {
    const cmp = createGppCmp({ legacy: true });
    const w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed);
    expect(cmp.listeners).toBe(1);
    cmp.load({ sections: NOT_OPTED_OUT });
    expect(await w.settle()).toEqual(['$opt_in']);
  });

  it('stop() removes the listener', async () => {
    const cmp = createGppCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    const gpp = fromGPP(w.heed);
    expect(cmp.listeners).toBe(1);
    gpp.stop();
    expect(cmp.listeners).toBe(0);
  });
});

describe('with the IAB reference implementation (@iabgpp/cmpapi)', () => {
  /** The reference CMP takes over our stub's listeners (`__gpp('events')`) and publishes a US choice. */
  function publish(cmp: CmpApi, fields: Record<string, unknown>) {
    cmp.setSignalStatus('not ready' as never);
    for (const [field, value] of Object.entries(fields)) cmp.setFieldValue('usnat', field, value);
    cmp.fireSectionChange('usnat');
    cmp.setSignalStatus('ready' as never);
  }

  it('reads its flat parsedSections: not opted out opts in, SaleOptOut 1 opts out', async () => {
    createGppCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed);
    const cmp = new CmpApi(300, 1);
    cmp.setApplicableSections([7]);
    cmp.setCmpStatus('loaded' as never);
    expect(w.heed.consent.status()).toBe('pending'); // signalStatus is still 'not ready'
    publish(cmp, { SaleOptOutNotice: 1, SaleOptOut: 2, SharingOptOutNotice: 1, SharingOptOut: 2 });
    expect(await w.settle()).toEqual(['$opt_in']);
    publish(cmp, { SaleOptOut: 1 });
    expect(w.heed.consent.status()).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBe('0');
  });

  it('reads GPC from real GPP strings: the sub-section counts only when the string includes it', async () => {
    const encode = (gpc?: boolean) => {
      const model = new GppModel();
      model.setFieldValue('usnat', 'SaleOptOut', 2);
      model.setFieldValue('usnat', 'SharingOptOut', 2);
      if (gpc === undefined) model.setFieldValue('usnat', 'GpcSegmentIncluded', false);
      else model.setFieldValue('usnat', 'Gpc', gpc);
      return model.encode();
    };
    createGppCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromGPP(w.heed);
    const cmp = new CmpApi(300, 1);
    cmp.setApplicableSections([7]);
    cmp.setCmpStatus('loaded' as never);
    const publishString = (s: string) => {
      cmp.setSignalStatus('not ready' as never);
      cmp.setGppString(s);
      cmp.fireSectionChange('usnat');
      cmp.setSignalStatus('ready' as never);
    };
    publishString(encode(undefined));
    expect(w.heed.consent.status()).toBe('granted');
    publishString(encode(false));
    expect(w.heed.consent.status()).toBe('granted');
    publishString(encode(true));
    expect(w.heed.consent.status()).toBe('denied');
  });

  it('stop() removes the listener the reference CMP took over', async () => {
    createGppCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    const gpp = fromGPP(w.heed);
    const cmp = new CmpApi(300, 1);
    gpp.stop();
    const calls: string[] = [];
    (window as unknown as { __gpp: (...a: unknown[]) => void }).__gpp('addEventListener', (e: { eventName: string }) => calls.push(e.eventName));
    cmp.setSignalStatus('ready' as never);
    expect(calls).toEqual(['listenerRegistered', 'signalStatus']); // only the new listener hears it
    expect(w.changes).toEqual([]);
  });
});
