/** @jest-environment jsdom */
/**
 * fromTCF against the IAB's own CMP API implementation (@iabtechlabtcf/cmpapi), fed real TC strings
 * encoded with @iabtechlabtcf/core: not only our reading of the spec. The reference CMP takes over
 * from our fake's stub queue, as a real CMP takes over from the IAB stub.
 */
import { CmpApi, CmpApiModel } from '@iabtechlabtcf/cmpapi';
import { GVL, PurposeRestriction, RestrictionType, TCModel, TCString } from '@iabtechlabtcf/core';
import { fromTCF } from '../../../src/consent/sources';
import { createTcfCmp } from '../../../src/testing';
import { FLAG, useWorld } from './setup';

const world = useWorld();
const VENDOR = 755;

/** A two-purpose-list GVL, enough for the encoder (the real one is fetched by CMPs, never by heed). */
function gvl(): GVL {
  const purposes: Record<string, unknown> = {};
  for (let id = 1; id <= 11; id++) purposes[id] = { id, name: 'Purpose ' + id, description: '', illustrations: [] };
  return new GVL({
    gvlSpecificationVersion: 3,
    vendorListVersion: 1,
    tcfPolicyVersion: 5,
    lastUpdated: '2026-01-01T00:00:00Z',
    purposes,
    specialPurposes: {},
    features: {},
    specialFeatures: {},
    stacks: {},
    dataCategories: {},
    vendors: {
      [VENDOR]: { id: VENDOR, name: 'Vendor', purposes: [1], legIntPurposes: [8], flexiblePurposes: [8], specialPurposes: [], features: [], specialFeatures: [] },
    },
  } as never);
}

/** Encode a TC string the way a CMP would. */
function tcString(set: (m: TCModel) => void): string {
  const model = new TCModel(gvl());
  model.cmpId = 300;
  model.cmpVersion = 1;
  model.isServiceSpecific = true;
  set(model);
  return TCString.encode(model);
}

const accepted = tcString((m) => m.purposeConsents.set([1, 8]));
const declined = tcString(() => undefined);

/** The CMP's stub is in the page before heed (ours; the IAB stub works the same way). */
beforeEach(() => createTcfCmp({ locator: false }));
afterEach(() => CmpApiModel.reset());

/** The reference CMP loads and takes over the stub's queue. */
const referenceCmp = () => new CmpApi(300, 1, true);

it('a returning visitor whose stored string grants purposes 1 and 8: granted, waiting page view sent', async () => {
  const w = await world({ opt_out_tracking_by_default: true }, '1');
  fromTCF(w.heed);
  w.heed.track_pageview();
  const cmp = referenceCmp();
  expect(w.heed.consent.status()).toBe('pending'); // the reference CMP queues listeners until update()
  cmp.update(accepted, false);
  expect(await w.settle()).toEqual(['$mp_web_page_view']);
});

it('a new visitor: UI shown (empty string) is pending, then accepting opts in and declining opts out', async () => {
  const w = await world({ opt_out_tracking_by_default: true });
  fromTCF(w.heed);
  const cmp = referenceCmp();
  cmp.update('', true);
  expect(w.heed.consent.status()).toBe('pending');
  expect(localStorage.getItem(FLAG)).toBeNull();
  cmp.update(accepted, false); // useractioncomplete
  expect(await w.settle()).toEqual(['$opt_in']);
  cmp.update(declined, true); // reopened: pending
  expect(w.heed.consent.status()).toBe('pending');
  cmp.update(declined, false);
  expect(w.heed.consent.status()).toBe('denied');
  expect(localStorage.getItem(FLAG)).toBe('0');
  expect(w.changes).toEqual(['granted:tcf', 'pending:tcf', 'denied:tcf']);
});

it('GDPR does not apply (update(null)): no decision', async () => {
  const w = await world();
  fromTCF(w.heed);
  w.heed.track('page');
  referenceCmp().update(null);
  expect(w.heed.consent.status()).toBe('granted');
  expect(await w.settle()).toEqual(['page']);
  expect(localStorage.getItem(FLAG)).toBeNull();
});

it('legitimate interest and publisher restrictions encoded in a real string', async () => {
  const li = tcString((m) => {
    m.purposeConsents.set(1);
    m.purposeLegitimateInterests.set(8);
    m.vendorConsents.set(VENDOR);
    m.vendorLegitimateInterests.set(VENDOR);
  });
  const restricted = tcString((m) => {
    m.purposeConsents.set([1, 8]);
    m.vendorConsents.set(VENDOR);
    m.publisherRestrictions.add(VENDOR, new PurposeRestriction(8, RestrictionType.NOT_ALLOWED));
  });
  const decide = async (s: string, options: Parameters<typeof fromTCF>[1]) => {
    CmpApiModel.reset();
    createTcfCmp({ locator: false });
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed, options);
    referenceCmp().update(s, false);
    return w.heed.consent.status();
  };
  expect(await decide(li, {})).toBe('denied');
  expect(await decide(li, { legitimateInterest: [8] })).toBe('granted');
  expect(await decide(li, { legitimateInterest: [8], vendorId: VENDOR })).toBe('granted');
  expect(await decide(accepted, { vendorId: VENDOR })).toBe('denied'); // no vendor consent
  expect(await decide(restricted, { vendorId: VENDOR })).toBe('denied');
  expect(await decide(restricted, {})).toBe('granted'); // restrictions key on vendor ids only
});

it('stop() removes the listener, whose id the reference CMP numbers from 0', async () => {
  const w = await world({ opt_out_tracking_by_default: true });
  const tcf = fromTCF(w.heed);
  const cmp = referenceCmp();
  cmp.update(accepted, false);
  expect(CmpApiModel.eventQueue.size).toBe(1);
  tcf.stop();
  expect(CmpApiModel.eventQueue.size).toBe(0);
});

it('a disabled CMP (permanent error) denies the page view for a tracker that attaches later', async () => {
  const cmp = referenceCmp();
  cmp.update(accepted, false);
  cmp.disable();
  const w = await world({}, '1');
  fromTCF(w.heed);
  expect(w.heed.consent.status()).toBe('denied');
  expect(localStorage.getItem(FLAG)).toBe('1');
});
