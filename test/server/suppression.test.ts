import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHeed, fileSuppressions, memorySuppressions, type SuppressionStore } from '../../src/entry/node';
import { useTracker } from '../helpers/tracker';

const rig = useTracker('suppressTok', createHeed, () => undefined);
const start = () => rig.start() as ReturnType<typeof createHeed>;
const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const who = () => rig.server.accepted('track').map((e) => [e.event, e.properties.distinct_id]);

describe('suppress(id): server-side calls for that person are dropped before they are queued', () => {
  it('drops their events and profile updates, keeps everyone else’s, and resumes after unsuppress', async () => {
    const heed = start();
    await heed.suppress('user-1');
    expect(heed.isSuppressed('user-1')).toBe(true);
    const results: unknown[] = [];
    expect(heed.track('Purchase', { distinct_id: 'user-1' }, (r) => results.push(r))).toBeUndefined();
    heed.track('Purchase', { distinct_id: 'user-2' });
    await heed.unsuppress('user-1');
    heed.track('Back', { distinct_id: 'user-1' });
    await heed.flush();
    expect(who()).toEqual([['Purchase', 'user-2'], ['Back', 'user-1']]);
    expect(results).toEqual([0]);
    expect(await heed.suppressed()).toEqual([]);
  });

  it('removes what is already queued for them', async () => {
    const heed = start();
    heed.track('queued', { distinct_id: 'user-1' });
    heed.track('queued', { distinct_id: 'user-2' });
    await heed.suppress('user-1');
    await heed.flush();
    expect(who()).toEqual([['queued', 'user-2']]);
  });

  it('covers ids heed knows to be the same person: $identify, $create_alias, an event with a user and a device id', async () => {
    const heed = start();
    heed.track('$identify', { distinct_id: 'user-1', $anon_distinct_id: '$device:anon-a' });
    heed.track('$create_alias', { distinct_id: 'user-1', alias: 'ada@example.com' });
    heed.track('seen', { distinct_id: 'user-1', $user_id: 'user-1', $device_id: 'dev-b' });
    await heed.flush();
    const before = rig.server.requests.length;
    await heed.suppress('user-1');
    for (const id of ['$device:anon-a', 'ada@example.com', '$device:dev-b', 'user-1']) heed.track('after', { distinct_id: id });
    heed.track('after', { distinct_id: 'someone-else' });
    await heed.flush();
    expect(rig.server.requests.slice(before).flatMap((r) => r.items.map((e: { properties: { distinct_id: string } }) => e.properties.distinct_id))).toEqual(['someone-else']);
    expect((await heed.suppressed()).slice().sort()).toEqual(['$device:anon-a', '$device:dev-b', 'ada@example.com', 'dev-b', 'user-1'].sort());
  });

  it('people updates for them are dropped too; a bad id is refused loudly, not suppressed', async () => {
    const heed = start();
    heed.identify('user-1');
    await heed.suppress('user-1');
    expect(heed.people.set('plan', 'pro')).toBeUndefined();
    await expect(heed.suppress('null')).rejects.toMatchObject({ name: 'HeedError', message: 'suppress: "null" is not a usable distinct_id' });
    // identify() made this process user-1: its own device ids are that person's too.
    expect(await heed.suppressed()).toEqual(expect.arrayContaining(['user-1', '$device:' + heed.get_property('$device_id')]));
    expect(await heed.suppressed()).not.toContain('null');
    await heed.flush();
    expect(rig.server.accepted('engage')).toEqual([]);
  });

  it('a memory store is read when an instance starts: one started later sees what another suppressed', async () => {
    const store = memorySuppressions();
    const a = createHeed();
    a.init('suppressTok', { api_host: rig.server.url, batch_flush_interval_ms: 60_000, suppression_store: store });
    await a.suppress('user-9');
    const c = createHeed();
    c.init('suppressTok', { api_host: rig.server.url, suppression_store: store });
    await c.flush();
    expect(c.isSuppressed('user-9')).toBe(true);
    expect(c.track('e', { distinct_id: 'user-9' })).toBeUndefined();
  });

  it('a file store: a suppression in one instance stops another within 1 s, and unsuppress resumes it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'heed-supp-')), 'list.json');
    const [a, b] = [createHeed(), createHeed()];
    for (const t of [a, b]) t.init('suppressTok', { api_host: rig.server.url, batch_flush_interval_ms: 60_000, suppression_store: fileSuppressions(path, { interval: 50 }) });
    await Promise.all([a.flush(), b.flush()]);
    await a.suppress('user-f');
    await until(() => b.isSuppressed('user-f'), 1000);
    expect(b.track('e', { distinct_id: 'user-f' })).toBeUndefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await a.unsuppress('user-f');
    await until(() => !b.isSuppressed('user-f'), 1000);
    expect(b.track('e', { distinct_id: 'user-f' })).toBeDefined();
  });
});

describe('a list that cannot be read: fail closed', () => {
  /** A store whose first `open` fails (the Redis is down), then works. */
  function flaky(ids: string[]): SuppressionStore & { opens: number } {
    const inner = memorySuppressions();
    void inner.add(ids);
    const store = {
      opens: 0,
      ...inner,
      open: (changed: Parameters<SuppressionStore['open']>[0]) => (++store.opens === 1 ? Promise.reject(new Error('ECONNREFUSED')) : inner.open(changed)),
    };
    return store;
  }

  it('holds everything while the list is unreadable (flush rejects, saying why); once read, drops the suppressed and sends the rest', async () => {
    const store = flaky(['user-x']);
    const warnings: string[] = [];
    const spy = jest.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void warnings.push(a.join(' ')));
    try {
      const heed = createHeed();
      heed.init('suppressTok', { api_host: rig.server.url, batch_flush_interval_ms: 10, debug: true, suppression_store: store });
      heed.track('held', { distinct_id: 'user-x' });
      heed.track('held', { distinct_id: 'user-y' });
      await new Promise((r) => setTimeout(r, 50));
      await expect(heed.flush()).rejects.toMatchObject({ name: 'HeedError', message: expect.stringMatching(/suppression list unavailable.*ECONNREFUSED/) });
      expect(rig.server.requests).toEqual([]);
      expect(warnings.join('\n')).toMatch(/nothing is sent until it is read/);
      await until(() => store.opens === 2, 3000); // the first retry comes after 1 s
      await heed.flush();
      expect(who()).toEqual([['held', 'user-y']]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('createMerges: which ids are one person, in bounded memory', () => {
  const { createMerges } = jest.requireActual('../../src/server/suppression') as typeof import('../../src/server/suppression');
  const members = (m: ReturnType<typeof createMerges>, id: string) => [...m.of(id)].sort();

  it('joins groups that share an id, whichever order they were seen in', () => {
    const m = createMerges();
    m.union(['a', 'b']);
    m.union(['c', 'd']);
    m.union(['d', 'a']);
    expect(members(m, 'c')).toEqual(['a', 'b', 'c', 'd']);
    expect(members(m, 'zzz')).toEqual(['zzz']);
  });

  it('forgets the oldest groups past its bound, keeping the newest whole', () => {
    const m = createMerges(10);
    for (let i = 0; i < 20; i++) m.union([`u${i}`, `d${i}`]);
    expect(members(m, 'u0')).toEqual(['u0']);
    expect(members(m, 'u19')).toEqual(['d19', 'u19']);
  });
});
