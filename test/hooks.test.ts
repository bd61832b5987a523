/** @jest-environment jsdom */
import type { Hooks, Properties, TrackedEvent } from '../src/entry/browser';
import { peopleInfo } from './helpers/people-info';
import { useTracker } from './helpers/tracker';

const rig = useTracker('hooksTok');
const sent = async (heed: { flush(): Promise<void> }) => (await heed.flush(), rig.server.accepted('track'));

describe('before_send_* hooks, the stage between building and queueing', () => {
  it('before_send_events may change an event or drop it (null), and track() returns what was queued', async () => {
    const heed = rig.start({
      hooks: {
        before_send_events: (e: TrackedEvent) =>
          e.event === 'secret' ? null : { ...e, properties: { ...e.properties, email: undefined, scrubbed: true } },
      },
    });
    const queued = heed.track('Signed up', { email: 'ada@example.com' });
    expect(heed.track('secret')).toBeUndefined();
    const events = await sent(heed);
    expect(events.map((e) => e.event)).toEqual(['Signed up']);
    expect(events[0].properties).toMatchObject({ scrubbed: true });
    expect(events[0].properties).not.toHaveProperty('email');
    expect(queued).toEqual(events[0]);
  });

  it('a hook that throws drops the item (never sent unscrubbed) and says so under debug', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const heed = rig.start({ debug: true, hooks: { before_send_events: () => { throw new Error('bug'); } } });
      expect(heed.track('x', { email: 'ada@example.com' })).toBeUndefined();
      await sent(heed);
      expect(rig.server.requests).toEqual([]);
      expect(warn.mock.calls.map((c) => c[0])).toContainEqual(expect.stringContaining('before_send_events hook threw'));
    } finally {
      warn.mockRestore();
    }
  });

  it('what a hook returns is sanitised again: a name is required, properties are made JSON-safe', async () => {
    const heed = rig.start({ hooks: { before_send_events: (e: TrackedEvent) => ({ event: e.event, properties: { ...e.properties, fn: (() => 1) as unknown as string, big: BigInt(2) as unknown as string } }) } });
    heed.track('x');
    const [e] = await sent(heed);
    expect(e.properties).not.toHaveProperty('fn');
    expect(e.properties.big).toBe('2');
  });

  it('before_send_people and before_send_groups see each update; their result is what is queued and returned', async () => {
    const heed = rig.start({
      hooks: {
        before_send_people: (u: Properties) => (u.$set && (u.$set as Properties).drop ? null : { ...u, $set: { ...(u.$set as Properties), via: 'hook' } }),
        before_send_groups: (u: Properties) => ({ ...u, $set: { tier: 'gold' } }),
      },
    });
    expect(heed.people.set({ drop: true })).toBeUndefined();
    const person = heed.people.set({ plan: 'pro' });
    const group = heed.get_group('company', 'acme').set('plan', 'x');
    await heed.flush();
    expect(rig.server.accepted('engage')).toEqual([person]);
    expect(person!.$set).toEqual({ ...peopleInfo(), plan: 'pro', via: 'hook' });
    expect(rig.server.accepted('groups')).toEqual([group]);
    expect(group).toMatchObject({ $group_key: 'company', $group_id: 'acme', $set: { tier: 'gold' } });
  });

  it('heed\'s own $identify and $create_alias are not run through hooks (as in mixpanel-browser)', async () => {
    const seen: string[] = [];
    const heed = rig.start({ hooks: { before_send_events: (e: TrackedEvent) => (seen.push(e.event), e), before_track: (name: string) => name } });
    heed.alias('new-id');
    heed.identify('user-2');
    heed.track('mine');
    await sent(heed);
    expect(seen).toEqual(['mine']);
    expect(rig.server.accepted('track').map((e) => e.event)).toEqual(['$create_alias', '$identify', '$identify', 'mine']);
  });
});

describe('the other hooks', () => {
  it('before_track renames or drops; before_identify may refuse (-1); before_register and before_unregister change the call', async () => {
    const heed = rig.start({
      hooks: {
        before_track: (name: string, props: Properties) => (name === 'drop' ? null : [name.toUpperCase(), { ...props, hooked: 1 }]),
        before_identify: (id: string) => (id === 'bad' ? null : id.toLowerCase()),
        before_register: (props: Properties) => ({ ...props, registered: true }),
        before_unregister: (name: string) => (name === 'keep' ? null : name),
      },
    });
    heed.track('drop');
    heed.track('shout', { a: 1 });
    expect(heed.identify('bad')).toBe(-1);
    heed.identify('ADA');
    heed.register({ keep: 1, other: 2 });
    heed.unregister('keep');
    heed.unregister('other');
    expect(heed.get_distinct_id()).toBe('ada');
    expect([heed.get_property('keep'), heed.get_property('other'), heed.get_property('registered')]).toEqual([1, undefined, true]);
    const events = await sent(heed);
    expect(events.map((e) => e.event)).toEqual(['SHOUT', '$identify']);
    expect(events[0].properties).toMatchObject({ a: 1, hooked: 1 });
  });

  it('add_hook and remove_hook, beside the configured ones; set_config({ hooks }) replaces them', async () => {
    const heed = rig.start({ hooks: { before_send_events: (e: TrackedEvent) => ({ ...e, properties: { ...e.properties, first: 1 } }) } });
    const second: Hooks['before_send_events'] = (e) => ({ ...e, properties: { ...e.properties, second: 1 } });
    heed.add_hook('before_send_events', second!);
    heed.track('both');
    heed.remove_hook('before_send_events', second!);
    heed.track('first only');
    heed.set_config({ hooks: {} });
    heed.track('none');
    const events = await sent(heed);
    expect(events.map((e) => [e.event, e.properties.first, e.properties.second])).toEqual([
      ['both', 1, 1],
      ['first only', 1, undefined],
      ['none', undefined, undefined],
    ]);
  });

  it('loaded(instance) is called once init is done', () => {
    const calls: unknown[] = [];
    const heed = rig.start({ loaded: (instance) => void calls.push(instance.get_distinct_id()) });
    expect(calls).toEqual([heed.get_distinct_id()]);
  });
});
