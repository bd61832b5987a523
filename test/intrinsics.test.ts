/** @jest-environment jsdom */
import { now, stringify } from '../src/intrinsics';
import { patch } from './helpers/browser';
import { useTracker } from './helpers/tracker';

const rig = useTracker('hostileTok');

describe('pages that change the globals heed needs', () => {
  it.each([
    ['Array.prototype.toJSON (Prototype.js)', () => patch(Array.prototype, 'toJSON', { value: function (this: unknown[]) { return 'mangled'; }, writable: true })],
    ['Object.prototype.toJSON', () => patch(Object.prototype, 'toJSON', { value: () => 'mangled', writable: true })],
    ['a JSON.stringify that throws', () => patch(JSON, 'stringify', { value: () => { throw new Error('replaced'); }, writable: true })],
    ['Date.now stubbed to 0 (fake timers)', () => patch(Date, 'now', { value: () => 0, writable: true })],
  ])('%s: init and track do not throw, and 5 of 5 events arrive intact', async (_name, hostile) => {
    hostile();
    const heed = rig.start();
    for (let i = 0; i < 5; i++) heed.track('e', { i, list: [1, 2], nested: { a: 'é"\\' } });
    await heed.flush();
    const got = rig.server.accepted('track');
    expect(got.map((e) => e.properties.i)).toEqual([0, 1, 2, 3, 4]);
    expect(got[0].properties).toMatchObject({ list: [1, 2], nested: { a: 'é"\\' } });
    expect(got[0].properties.time).toBeGreaterThan(1.6e12);
  });
});

describe('the serialiser heed falls back to', () => {
  it('writes what JSON.stringify writes for sanitised trees, escaping what JSON must', () => {
    const tree = { s: 'a"b\\c\n\u0001\u2028😀', n: 1.5, t: true, f: false, nul: null, list: [1, 'x', { deep: [] }], empty: {} };
    const expected = JSON.stringify(tree);
    patch(Array.prototype, 'toJSON', { value: () => 'mangled', writable: true });
    expect(stringify(tree)).not.toContain('mangled');
    expect(JSON.parse(stringify(tree))).toEqual(JSON.parse(expected));
  });

  it('now() is Date.now, unless a page stubbed that below a sane floor', () => {
    expect(Math.abs(now() - Date.now())).toBeLessThan(50);
    patch(Date, 'now', { value: () => 0, writable: true });
    expect(now()).toBeGreaterThan(1.6e12);
  });
});
