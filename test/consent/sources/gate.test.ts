/** @jest-environment jsdom */
/**
 * The tracker's side of consent sources: `consent.hold` and the `source` option of
 * opt_in/opt_out, driven directly, with what reaches a real server and what is stored.
 */
import { localEntries } from '../../helpers/browser';
import { FLAG, PROFILE, stored, useWorld } from './setup';

const world = useWorld();

describe('hold("pending")', () => {
  it('keeps track() calls in memory: nothing is sent, nothing is written, listeners hear the source', async () => {
    const w = await world();
    const before = localEntries(); // what init stored (tracking was allowed then)
    w.heed.consent.hold('pending', 'tcf');
    const results: unknown[] = [];
    for (let i = 0; i < 5; i++) w.heed.track('while waiting', { i }, (r) => void results.push(r));
    w.heed.identify('user-1');
    w.heed.register({ plan: 'pro' });

    expect(w.heed.consent.status()).toBe('pending');
    expect(await w.settle()).toEqual([]);
    expect(w.server.requests).toHaveLength(0);
    expect(localEntries()).toEqual(before);
    expect(results).toEqual([]); // not answered yet: they wait
    expect(w.changes).toEqual(['pending:tcf']);
  });

  it('released for a returning visitor (a grant was stored): the waiting calls are sent with their own time and page', async () => {
    const w = await world({}, '1');
    w.heed.consent.hold('pending', 'tcf');
    const before = Date.now();
    w.heed.track('page view', { n: 1 });
    w.heed.track('click');
    w.heed.consent.hold(undefined, 'tcf');

    expect(await w.settle()).toEqual(['page view', 'click']); // and no $opt_in: nothing changed
    const [view] = w.server.accepted('track');
    expect(view.properties.n).toBe(1);
    expect(view.properties.time).toBeGreaterThanOrEqual(before);
    expect(view.properties.$current_url).toBe(location.href);
    expect(w.changes).toEqual(['pending:tcf', 'granted:tcf']);
  });

  it('a first grant (opt_in_tracking with a source) drops the waiting calls and calls back 0', async () => {
    const w = await world({ opt_out_tracking_by_default: true });
    w.heed.consent.hold('pending', 'tcf');
    const results: unknown[] = [];
    w.heed.track('before consent', {}, (r) => void results.push(r));
    w.heed.opt_in_tracking({ source: 'tcf' });

    expect(results).toEqual([0]);
    expect(await w.settle()).toEqual(['$opt_in']);
    expect(localStorage.getItem(FLAG)).toBe('1');
    expect(w.changes).toEqual(['granted:tcf']); // pending (by default) -> pending (held) -> granted
  });

  it('with keep, a first grant sends the waiting calls', async () => {
    const w = await world({ opt_out_tracking_by_default: true });
    w.heed.consent.hold('pending', 'tcf', true);
    w.heed.track('before consent');
    w.heed.opt_in_tracking({ source: 'tcf' });
    expect((await w.settle()).sort()).toEqual(['$opt_in', 'before consent']);
  });

  it('keeps at most 100 calls; the rest are refused at once', async () => {
    const w = await world({}, '1');
    w.heed.consent.hold('pending', 'tcf');
    const results: unknown[] = [];
    for (let i = 0; i < 103; i++) w.heed.track('e' + i, {}, (r) => void results.push(r));
    expect(results).toEqual([0, 0, 0]);
    w.heed.consent.hold(undefined, 'tcf');
    expect(await w.settle()).toHaveLength(100);
  });

  it('drops calls older than 30 s when released', async () => {
    const w = await world({}, '1');
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'queueMicrotask', 'nextTick', 'performance'] });
    try {
      jest.setSystemTime(Date.now());
      w.heed.consent.hold('pending', 'tcf');
      const results: unknown[] = [];
      w.heed.track('stale', {}, (r) => void results.push(r));
      jest.setSystemTime(Date.now() + 31_000);
      w.heed.track('fresh');
      w.heed.consent.hold(undefined, 'tcf');
      expect(results).toEqual([0]);
    } finally {
      jest.useRealTimers();
    }
    expect(await w.settle()).toEqual(['fresh']);
  });
});

describe('hold("denied")', () => {
  it('denies this page view without persisting anything or touching the stored profile', async () => {
    const w = await world({}, '1');
    w.heed.track('queued before'); // allowed: the visitor opted in earlier
    await w.settle();
    const profile = localStorage.getItem(PROFILE);
    w.heed.consent.hold('denied', 'tcf');
    w.heed.track('during');
    expect(w.heed.consent.status()).toBe('denied');
    expect(localStorage.getItem(FLAG)).toBe('1');
    expect(localStorage.getItem(PROFILE)).toBe(profile);
    w.heed.consent.hold(undefined, 'tcf');
    w.heed.track('after');
    expect(await w.settle()).toEqual(['queued before', 'after']);
    expect(w.changes).toEqual(['denied:tcf', 'granted:tcf']);
  });

  it('an explicit opt_in_tracking() ends it', async () => {
    const w = await world();
    w.heed.consent.hold('denied', 'tcf');
    w.heed.opt_in_tracking();
    expect(w.heed.consent.status()).toBe('granted');
    expect(w.changes).toEqual(['denied:tcf', 'granted:api']);
  });
});

describe('the source option of opt_in / opt_out', () => {
  it('is what listeners hear; opt-out with delete_user false sends nothing and purges', async () => {
    const w = await world();
    w.heed.identify('user-9');
    w.heed.opt_out_tracking({ delete_user: false, source: 'cmp' });
    await w.settle();
    expect(w.server.requests).toHaveLength(0);
    expect(stored()).toEqual([FLAG]);
    expect(w.changes).toEqual(['denied:cmp']);
  });

  it('own() tells the stored decision, whether DNT/GPC says no, each purpose and the expired ones', async () => {
    const w = await world({}, '0');
    expect(w.heed.consent.own()).toEqual({ decision: '0', signal: false, purposes: { analytics: 'denied' }, expired: [] });
  });
});
