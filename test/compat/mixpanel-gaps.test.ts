/** @jest-environment jsdom */
/**
 * mixpanel-browser compatibility cases where heed differs without a documented reason (compat-suite
 * helper). Each of these failed before the fix it names.
 * Each names the mixpanel-js test it mirrors (mixpanel/mixpanel-js tests/test.js).
 */
import { type Heed, type InitConfig } from '../../src/entry/browser';
import { cookies } from '../helpers/browser';
import { useTracker } from '../helpers/tracker';

const TOKEN = 'compatTok';
const PROFILE = `mp_${TOKEN}_mixpanel`;

const rig = useTracker(TOKEN);
const start = (config: InitConfig = {}, token = TOKEN): Heed => rig.start(config, token);

function profile(): Record<string, any> | null {
  const raw = localStorage.getItem(PROFILE);
  return raw === null ? null : JSON.parse(raw);
}

describe('mixpanel-browser compatibility gaps', () => {
  // 1. localStorage "upgrade from cookie": mixpanel-browser's default persistence is the cookie;
  // with persistence 'localStorage' (heed's default) it imports the cookie profile and removes it.
  it('persistence: "localStorage" imports the mp_<token>_mixpanel cookie and removes it', () => {
    const stored = { distinct_id: 'cookie-id', $device_id: 'dev-1', $user_id: 'cookie-id', a: 'b' };
    document.cookie = `${PROFILE}=${encodeURIComponent(JSON.stringify(stored))}; path=/`;
    const heed = start({ persistence: 'localStorage' });
    heed.register({ c: 'd' });
    expect(heed.get_distinct_id()).toBe('cookie-id');
    expect(heed.get_property('$device_id')).toBe('dev-1');
    expect(heed.track('test', { foo: 'bar' })!.properties).toMatchObject({ a: 'b', c: 'd', foo: 'bar' });
    expect(profile()).toMatchObject({ distinct_id: 'cookie-id', a: 'b', c: 'd' });
    expect(cookies()).not.toHaveProperty([PROFILE]);
  });

  // 2. cookies "Old values loaded": a profile without $device_id (written by mixpanel-browser
  // before $device_id existed) keeps its distinct_id and super properties.
  it.each(['localStorage', 'cookie'] as const)('a stored %s profile without $device_id keeps its distinct_id and super properties', (persistence) => {
    const legacy = JSON.stringify({ distinct_id: '12345', asdf: 'asdf' });
    if (persistence === 'cookie') document.cookie = `${PROFILE}=${encodeURIComponent(legacy)}; path=/`;
    else localStorage.setItem(PROFILE, legacy);
    const heed = start({ persistence });
    expect(heed.get_distinct_id()).toBe('12345');
    expect(heed.get_property('asdf')).toBe('asdf');
  });

  // 3. people.set "set (info props included)": 2.82 adds $os, $browser and $browser_version
  // (people_properties(), empty ones stripped except $browser_version) to every $set.
  it('people.set adds $browser and $browser_version to $set', () => {
    const s = start().people.set('key1', 'test')!;
    expect(s.$set).toHaveProperty(['$browser']);
    expect(s.$set).toHaveProperty(['$browser_version']);
    expect((s.$set as Record<string, unknown>).key1).toBe('test');
  });

  // 4. people.unset "unset does not undo reserved properties": the reserved names are left out.
  // Where none is left, mixpanel-browser sends `$unset: []`, which Mixpanel's ingestion refuses;
  // heed refuses it loudly instead (debug warning, callback 0, nothing queued).
  it('people.unset drops the reserved $distinct_id and $token', async () => {
    const heed = start();
    expect(heed.people.unset(['$distinct_id', 'gender', '$token', '$device_id', '$user_id'])!.$unset).toEqual(['gender']);
    const results: unknown[] = [];
    expect(heed.people.unset('$distinct_id', (r) => void results.push(r))).toBeUndefined();
    expect(heed.people.unset(['$token'])).toBeUndefined();
    expect(results).toEqual([0]);
    expect(heed.people.set({ $distinct_id: 'other', $token: 'x', plan: 'pro' })!.$set).not.toHaveProperty(['$distinct_id']);
  });

  // 5. people.delete_user "delete_user": the payload is {$delete: distinct_id}
  it('people.delete_user after identify returns $delete of the distinct_id', () => {
    const heed = start();
    heed.identify('user-1');
    expect(heed.people.delete_user()!.$delete).toBe('user-1');
  });

  // 6. "info properties included": $browser_version is always a property (null when the user
  // agent names no version, as jsdom's does); heed leaves it out.
  it('an event carries $browser_version even when the browser version is unknown', () => {
    expect(start().track('check info props')!.properties).toHaveProperty(['$browser_version']);
  });
});
