/** @jest-environment jsdom */
/**
 * fromTCF against the spec-following fake `__tcfapi` (heed/testing): each case checks the opt-in /
 * opt-out calls (through listeners and $opt_in), what reaches the server, and what is stored.
 */
import { fromTCF } from '../../../src/consent/sources';
import { createTcfCmp } from '../../../src/testing';
import { FLAG, PROFILE, gpcOn, stillParsing, stored, useWorld } from './setup';

const world = useWorld();
const YES = { purposes: [1, 8] };
const NO = { purposes: [] as number[] };

describe('a returning visitor', () => {
  it('who accepted: the page view tracked while the CMP loads is sent, with no second $opt_in', async () => {
    const cmp = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true }, '1');
    fromTCF(w.heed);
    w.heed.track_pageview();
    expect(await w.settle()).toEqual([]); // the CMP has not confirmed yet
    cmp.load(YES);
    expect(await w.settle()).toEqual(['$mp_web_page_view']);
    expect(w.changes).toEqual(['pending:tcf', 'granted:tcf']);
    expect(stored()).toEqual([FLAG, PROFILE]);
  });

  it('who denied: nothing is sent and nothing but the flag is stored', async () => {
    const cmp = createTcfCmp();
    const w = await world({}, '0');
    fromTCF(w.heed);
    w.heed.track_pageview();
    cmp.load(NO);
    expect(await w.settle()).toEqual([]);
    expect(w.server.requests).toHaveLength(0);
    expect(stored()).toEqual([FLAG]);
    expect(localStorage.getItem(FLAG)).toBe('0');
  });

  it('whose stored heed grant the CMP no longer confirms: opted out, without a profile delete', async () => {
    const cmp = createTcfCmp();
    const w = await world({}, '1');
    w.heed.identify('user-7');
    fromTCF(w.heed);
    cmp.load(NO);
    await w.settle();
    expect(w.server.requests).toHaveLength(0); // no $delete: a CMP "no" is not an erasure request
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect(stored()).toEqual([FLAG]);
    expect(w.changes).toEqual(['pending:tcf', 'denied:tcf']);
  });
});

describe('a new visitor', () => {
  it('the banner (cmpuishown) is pending, never an opt-out; accepting opts in once, from "tcf"', async () => {
    const cmp = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed);
    cmp.load(); // no stored choice: the CMP shows its banner, every consent false
    w.heed.track('looked around');
    expect(w.heed.consent.status()).toBe('pending');
    expect(stored()).toEqual([]);
    cmp.userAction(YES);
    expect(await w.settle()).toEqual(['$opt_in']); // pre-consent activity is dropped by default
    const [optIn] = w.server.accepted('track');
    expect(optIn.properties.$consent_source).toBe('tcf');
    expect(localStorage.getItem(FLAG)).toBe('1');
    expect(w.changes).toEqual(['granted:tcf']);
    w.heed.track('after');
    cmp.userAction(YES); // the same choice again: no second $opt_in
    expect(await w.settle()).toEqual(['$opt_in', 'after']);
  });

  it("with pendingEvents: 'buffer' the activity before the choice is sent too", async () => {
    const cmp = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed, { pendingEvents: 'buffer' });
    cmp.load();
    w.heed.track('looked around');
    cmp.userAction(YES);
    expect((await w.settle()).sort()).toEqual(['$opt_in', 'looked around']);
  });

  it('denying stores the opt-out and sends nothing', async () => {
    const cmp = createTcfCmp();
    const w = await world();
    fromTCF(w.heed);
    cmp.load();
    w.heed.track('looked around');
    cmp.userAction(NO);
    expect(await w.settle()).toEqual([]);
    expect(w.server.requests).toHaveLength(0);
    expect(stored()).toEqual([FLAG]);
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect(w.changes).toEqual(['pending:tcf', 'denied:tcf']);
  });

  it('withdrawing later (the banner reopened, then "no") opts out and purges', async () => {
    const cmp = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed);
    cmp.load();
    cmp.userAction(YES);
    w.heed.register({ plan: 'pro' });
    expect(await w.settle()).toEqual(['$opt_in']);
    cmp.showUi();
    w.heed.track('while the banner is open');
    expect(w.heed.consent.status()).toBe('pending');
    expect(localStorage.getItem(FLAG)).toBe('1'); // reopening is not withdrawing
    cmp.userAction(NO);
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(stored()).toEqual([FLAG]);
    expect(localStorage.getItem(FLAG)).toBe('0');
    expect(w.changes).toEqual(['granted:tcf', 'pending:tcf', 'denied:tcf']);
  });
});

describe('what the CMP says about GDPR and itself', () => {
  it('gdprApplies false is no decision by default: the tracker’s own rule applies', async () => {
    const cmp = createTcfCmp({ gdprApplies: false });
    const w = await world();
    fromTCF(w.heed);
    w.heed.track('page');
    cmp.load();
    expect(await w.settle()).toEqual(['page']);
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it("gdprApplies false with whenGdprDoesNotApply: 'grant' opts in", async () => {
    const cmp = createTcfCmp({ gdprApplies: false });
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed, { whenGdprDoesNotApply: 'grant' });
    cmp.load();
    expect(await w.settle()).toEqual(['$opt_in']);
  });

  it('a CMP in error denies this page view only: nothing is persisted', async () => {
    const cmp = createTcfCmp();
    cmp.load(YES);
    cmp.error();
    const w = await world({}, '1');
    const tcf = fromTCF(w.heed);
    w.heed.track('page');
    expect(w.heed.consent.status()).toBe('denied');
    expect(await w.settle()).toEqual([]);
    expect(localStorage.getItem(FLAG)).toBe('1');
    tcf.stop();
    expect(w.heed.consent.status()).toBe('granted');
  });

  it('a CMP that does not answer in time denies the page view; a late answer still counts', async () => {
    createTcfCmp(); // the stub only: the CMP script never arrives...
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed, { timeoutMs: 50 });
    await new Promise((r) => setTimeout(r, 80));
    expect(w.heed.consent.status()).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBeNull();
    expect(w.changes).toEqual(['denied:tcf']);
  });

  it('slow CMP then late accept', async () => {
    const cmp = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed, { timeoutMs: 30 });
    await new Promise((r) => setTimeout(r, 50));
    expect(w.heed.consent.status()).toBe('denied');
    cmp.load();
    expect(w.heed.consent.status()).toBe('pending'); // the banner shows: asking again
    cmp.userAction(YES);
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(w.changes).toEqual(['denied:tcf', 'pending:tcf', 'granted:tcf']);
  });

  it('no CMP by DOMContentLoaded: no decision; with requireCmp, denied for the page view', async () => {
    const done = stillParsing();
    const w = await world();
    fromTCF(w.heed);
    w.heed.track('early');
    expect(w.heed.consent.status()).toBe('pending'); // a CMP stub may still come
    done();
    expect(w.heed.consent.status()).toBe('granted');
    expect(await w.settle()).toEqual(['early']);

    const strict = await world();
    fromTCF(strict.heed, { requireCmp: true });
    expect(strict.heed.consent.status()).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it('a stub installed after heed but before DOMContentLoaded is found', async () => {
    const done = stillParsing();
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed);
    const cmp = createTcfCmp();
    done();
    cmp.load(YES);
    expect(w.heed.consent.status()).toBe('granted');
  });
});

describe('purposes, legitimate interest, vendor and publisher restrictions', () => {
  const decide = async (choice: Parameters<ReturnType<typeof createTcfCmp>['load']>[0], options: Parameters<typeof fromTCF>[1] = {}) => {
    const cmp = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    fromTCF(w.heed, options);
    cmp.load(choice);
    return w.heed.consent.status();
  };

  it('needs purposes 1 and 8 by default', async () => {
    expect(await decide({ purposes: [1] })).toBe('denied');
    expect(await decide({ purposes: [1, 8] })).toBe('granted');
  });

  it('takes legitimate interest only where configured, never for purpose 1', async () => {
    expect(await decide({ purposes: [1], legitimateInterests: [8] })).toBe('denied');
    expect(await decide({ purposes: [1], legitimateInterests: [8] }, { legitimateInterest: [8] })).toBe('granted');
    expect(await decide({ legitimateInterests: [1, 8] }, { legitimateInterest: [8] })).toBe('denied');
  });

  it('with a vendor id, requires the vendor signal and applies the publisher restrictions', async () => {
    const vendorId = 755;
    expect(await decide({ purposes: [1, 8] }, { vendorId })).toBe('denied');
    expect(await decide({ purposes: [1, 8], vendors: [vendorId] }, { vendorId })).toBe('granted');
    // 0: not allowed at all.
    expect(await decide({ purposes: [1, 8], vendors: [vendorId], restrictions: { 8: { [vendorId]: 0 } } }, { vendorId })).toBe('denied');
    // 2: legitimate interest required; consent does not count.
    const li = { purposes: [1, 8], legitimateInterests: [8], vendors: [vendorId], vendorLegitimateInterests: [vendorId] };
    expect(await decide({ ...li, restrictions: { 8: { [vendorId]: 2 } } }, { vendorId })).toBe('denied');
    expect(await decide({ ...li, restrictions: { 8: { [vendorId]: 2 } } }, { vendorId, legitimateInterest: [8] })).toBe('granted');
    // 1: consent required; legitimate interest does not count.
    expect(await decide({ purposes: [1], legitimateInterests: [8], vendors: [vendorId], vendorLegitimateInterests: [vendorId], restrictions: { 8: { [vendorId]: 1 } } }, { vendorId, legitimateInterest: [8] })).toBe('denied');
  });

  it('a custom purpose list', async () => {
    expect(await decide({ purposes: [8] }, { purposes: [8] })).toBe('granted');
  });
});

describe('GPC', () => {
  it('a stored CMP choice (tcloaded) does not beat GPC', async () => {
    gpcOn();
    const cmp = createTcfCmp();
    const w = await world();
    fromTCF(w.heed);
    w.heed.track('page');
    cmp.load(YES);
    expect(w.heed.consent.status()).toBe('denied');
    expect(await w.settle()).toEqual([]);
    expect(stored()).toEqual([]);
  });

  it('a person accepting in the CMP (useractioncomplete) does', async () => {
    gpcOn();
    const cmp = createTcfCmp();
    const w = await world();
    fromTCF(w.heed);
    cmp.load();
    cmp.userAction(YES);
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(localStorage.getItem(FLAG)).toBe('1');
  });

  it("gpc: 'strict' makes GPC unbeatable, without persisting anything", async () => {
    gpcOn();
    const cmp = createTcfCmp();
    const w = await world({}, '1');
    fromTCF(w.heed, { gpc: 'strict' });
    cmp.load();
    cmp.userAction(YES);
    w.heed.track('page');
    expect(w.heed.consent.status()).toBe('denied');
    expect(await w.settle()).toEqual([]);
    expect(localStorage.getItem(FLAG)).toBe('1');
  });
});

describe('the listener', () => {
  it('stop() removes it from the CMP (listenerId 0 included) and the source lets go', async () => {
    const cmp = createTcfCmp();
    const w = await world({ opt_out_tracking_by_default: true });
    const tcf = fromTCF(w.heed);
    cmp.load();
    expect(cmp.listeners).toBe(1);
    tcf.stop();
    expect(cmp.listeners).toBe(0);
    expect(cmp.commands).toEqual(['addEventListener', 'removeEventListener']);
    cmp.userAction(YES);
    expect(w.heed.consent.status()).toBe('pending'); // the tracker's own default again
  });

  it('uses addEventListener only (getTCData is deprecated) and asks for version 2', async () => {
    const cmp = createTcfCmp();
    const w = await world();
    fromTCF(w.heed);
    cmp.load(YES);
    expect(cmp.commands).toEqual(['addEventListener']);
  });
});

describe('the fake __tcfapi follows the spec', () => {
  it('answers ping synchronously from the stub, queues the rest FIFO, refuses version 1', () => {
    const cmp = createTcfCmp();
    const api = (window as unknown as { __tcfapi: (...a: unknown[]) => unknown }).__tcfapi;
    const log: unknown[] = [];
    api('ping', 2, (p: { cmpStatus: string; cmpLoaded: boolean }) => log.push(['ping', p.cmpStatus, p.cmpLoaded]));
    api('addEventListener', 2, (d: { eventStatus: string; listenerId: number }) => log.push(['listener', d.eventStatus, d.listenerId]));
    api('getTCData', 2, (d: { eventStatus: string }) => log.push(['getTCData', d.eventStatus]));
    api('ping', 1, (d: unknown, ok: boolean) => log.push(['v1', d, ok]));
    expect(log).toEqual([['ping', 'stub', false], ['v1', null, false]]);
    cmp.load({ purposes: [1] });
    expect(log.slice(2)).toEqual([['listener', 'tcloaded', 0], ['getTCData', 'tcloaded']]);
  });
});

it('combines with another source with AND, and opts in once when both agree', async () => {
  const { fromSignal } = await import('../../../src/consent/sources');
  const cmp = createTcfCmp();
  const w = await world({ opt_out_tracking_by_default: true });
  let banner: boolean | undefined;
  let changed: () => void = () => undefined;
  fromTCF(w.heed);
  fromSignal(w.heed, () => banner, (c) => void (changed = c), { name: 'banner' });
  cmp.load(YES);
  expect(w.heed.consent.status()).toBe('pending'); // the banner has not answered
  banner = false;
  changed();
  expect(w.heed.consent.status()).toBe('denied');
  expect(localStorage.getItem(FLAG)).toBe('0');
  banner = true;
  changed();
  expect(await w.settle()).toEqual(['$opt_in']);
  expect(w.server.accepted('track')[0].properties.$consent_source).toBe('banner');
  expect(w.changes).toEqual(['denied:banner', 'granted:banner']);
});
