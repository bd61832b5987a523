/** @jest-environment jsdom */
import { createHeed, type Heed } from '../../src/entry/browser';
import { useTracker } from '../helpers/tracker';
import { ingestionValidator } from '../helpers/openapi';
import { peopleInfo } from '../helpers/people-info';

const TOKEN = 'peopleTok';

const rig = useTracker(TOKEN);

function identified(): Heed {
  const heed = createHeed();
  heed.init(TOKEN, { api_host: rig.server.url, batch_flush_interval_ms: 60_000 });
  heed.identify('user-1');
  return heed;
}

describe('people', () => {
  it('sends each operation to /engage/ in Mixpanel’s shape, and calls back 1 once acknowledged', async () => {
    const heed = identified();
    const device = heed.get_property('$device_id');
    const results: number[] = [];
    const cb = (r: 0 | 1) => void results.push(r);

    heed.people.set('name', 'Ada', cb);
    heed.people.set({ a: 1, b: 'two' }, cb);
    heed.people.set_once('created', '2024-01-01', cb);
    heed.people.set_once({ source: 'ad' });
    heed.people.unset('a', cb);
    heed.people.unset(['a', 'b']);
    heed.people.increment('logins', cb);
    heed.people.increment('score', 5);
    heed.people.increment({ x: 2, y: -1 }, cb);
    heed.people.append('list', 'item', cb);
    heed.people.append({ list: 'other' });
    heed.people.union('tags', ['a', 'b'], cb);
    heed.people.union('tags', 'c');
    heed.people.union({ tags: 'z' });
    heed.people.remove('tags', 'a', cb);
    heed.people.delete_user(cb);
    await heed.flush();

    const ops = rig.server.accepted('engage');
    const target = { $token: TOKEN, $distinct_id: 'user-1', $device_id: device, $user_id: 'user-1' };
    expect(ops).toEqual([
      { ...target, $set: { ...peopleInfo(), name: 'Ada' } },
      { ...target, $set: { ...peopleInfo(), a: 1, b: 'two' } },
      { ...target, $set_once: { created: '2024-01-01' } },
      { ...target, $set_once: { source: 'ad' } },
      { ...target, $unset: ['a'] },
      { ...target, $unset: ['a', 'b'] },
      { ...target, $add: { logins: 1 } },
      { ...target, $add: { score: 5 } },
      { ...target, $add: { x: 2, y: -1 } },
      { ...target, $append: { list: 'item' } },
      { ...target, $append: { list: 'other' } },
      { ...target, $union: { tags: ['a', 'b'] } },
      { ...target, $union: { tags: ['c'] } },
      { ...target, $union: { tags: ['z'] } },
      { ...target, $remove: { tags: 'a' } },
      { ...target, $delete: 'user-1' },
    ]);
    expect(rig.server.requests.filter((r) => r.endpoint === 'engage').every((r) => r.path === '/engage/')).toBe(true);
    expect(results).toEqual(new Array(10).fill(1));
  });

  it('adds the browser to $set only as far as Mixpanel’s 254 properties leave room; the caller’s values win', () => {
    const heed = identified();
    const full: Record<string, number> = {};
    for (let i = 0; i < 254; i++) full['k' + i] = i;
    const set = heed.people.set(full)!.$set as Record<string, unknown>;
    expect(Object.keys(set)).toHaveLength(254);
    expect(set).not.toHaveProperty(['$browser_version']);
    expect(heed.people.set({ $browser: 'mine' })!.$set).toEqual({ ...peopleInfo(), $browser: 'mine' });
  });

  it('targets the anonymous $device: id before identify', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url });
    heed.people.set('a', 1);
    await heed.flush();
    const [op] = rig.server.accepted('engage');
    expect(op.$distinct_id).toBe(heed.get_distinct_id());
    expect(op.$distinct_id).toMatch(/^\$device:/);
    expect(op).not.toHaveProperty('$user_id');
  });
});

describe('groups', () => {
  it('set_group, add_group and remove_group keep the group super property and update the profile', async () => {
    const heed = identified();
    heed.set_group('company', 'acme');
    heed.track('one');
    heed.add_group('company', 'beta');
    heed.add_group('company', 'beta'); // already a member: the list does not repeat it
    heed.track('two');
    heed.remove_group('company', 'acme');
    heed.track('three');
    await heed.flush();

    const events = rig.server.accepted('track').filter((e) => e.event !== '$identify');
    expect(events.map((e) => [e.event, e.properties.company])).toEqual([
      ['one', ['acme']],
      ['two', ['acme', 'beta']],
      ['three', ['beta']],
    ]);
    expect(rig.server.accepted('engage').map(({ $set, $union, $remove }) => ({ $set, $union, $remove }))).toEqual([
      { $set: { ...peopleInfo(), company: ['acme'] } },
      { $union: { company: ['beta'] } },
      { $union: { company: ['beta'] } },
      { $remove: { company: 'acme' } },
    ]);
    expect(heed.get_property('company')).toEqual(['beta']);
  });

  it('get_group(key, id) operations go to /groups/ with $group_key and $group_id', async () => {
    const heed = identified();
    const results: number[] = [];
    const cb = (r: 0 | 1) => void results.push(r);
    const group = heed.get_group('company', 'acme');
    group.set('plan', 'enterprise', cb);
    group.set({ seats: 10 });
    group.set_once('since', '2020', cb);
    group.union('tags', ['a', 'b'], cb);
    group.unset('plan', cb);
    group.remove('tags', 'a', cb);
    group.delete(cb);
    await heed.flush();

    const target = { $token: TOKEN, $group_key: 'company', $group_id: 'acme' };
    expect(rig.server.accepted('groups')).toEqual([
      { ...target, $set: { plan: 'enterprise' } },
      { ...target, $set: { seats: 10 } },
      { ...target, $set_once: { since: '2020' } },
      { ...target, $union: { tags: ['a', 'b'] } },
      { ...target, $unset: ['plan'] },
      { ...target, $remove: { tags: 'a' } },
      { ...target, $delete: '' },
    ]);
    expect(rig.server.requests.filter((r) => r.endpoint === 'groups').every((r) => r.path === '/groups/')).toBe(true);
    expect(results).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('Mixpanel ingestion OpenAPI spec', () => {
  const validate = ingestionValidator();

  it('rejects malformed items (the check is not vacuous)', () => {
    expect(validate('track', [{ event: 'x' }])).not.toEqual([]);
    expect(validate('track', [{ event: 'x', properties: { time: 1.5 } }])).not.toEqual([]);
    expect(validate('engage', [{ $token: 't', $set: {} }])).not.toEqual([]);
    expect(validate('engage', [{ $token: 't', $distinct_id: 'd', $unset: [] }])).not.toEqual([]);
    expect(validate('groups', [{ $token: 't', $group_key: 'k', $group_id: 'i', $union: { a: [] } }])).not.toEqual([]);
    expect(validate('groups', [{ $token: 't', $group_key: 'k', $group_id: 'i', $delete: '' }])).toEqual([]);
  });

  it('accepts what heed sends to /track, /engage and /groups', async () => {
    const heed = createHeed();
    heed.init(TOKEN, { api_host: rig.server.url, api_payload_format: 'base64' });
    heed.register({ plan: 'pro' });
    heed.track('anonymous', { n: 1, s: 'é ✓', nested: { a: [1, 'b'] }, when: new Date() });
    heed.track_pageview();
    heed.identify('user-1');
    heed.alias('user-alias');
    heed.track('identified', { n: 2 });
    heed.people.set({ name: 'Ada' });
    heed.people.set_once('first', 'x');
    heed.people.increment('n', 2);
    heed.people.append('l', 'v');
    heed.people.union('u', ['a', 1]);
    heed.people.remove('u', 'a');
    heed.people.unset(['x']);
    heed.people.delete_user();
    heed.set_group('company', 'acme');
    const group = heed.get_group('company', 'acme');
    group.set('a', 1);
    group.set_once('b', 2);
    group.union('c', ['d']);
    group.unset('a');
    group.remove('c', 'd');
    group.delete();
    heed.opt_in_tracking();
    await heed.flush();

    const counts: Record<string, number> = {};
    for (const r of rig.server.requests) {
      expect(r.format).toBe('base64');
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
      expect(validate(r.endpoint, r.items)).toEqual([]);
      counts[r.endpoint] = (counts[r.endpoint] || 0) + r.items.length;
    }
    expect(counts).toEqual({ track: 7, engage: 9, groups: 6 });
  });
});
