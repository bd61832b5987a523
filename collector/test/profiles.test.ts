import { FORM, TOKEN, count, form, startTestCollector, type TestCollector } from './helpers';

let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

const update = (op: string, value: unknown, distinctId: string | number = 'u1') => ({ $token: TOKEN, $distinct_id: distinctId, [op]: value });

/** Send updates (each its own request unless batched) and return the profile, or the 404 status. */
async function engage(...updates: object[]): Promise<any> {
  const reply = await t.post('/engage?verbose=1', form(updates), FORM);
  expect(reply.json).toEqual({ status: 1, error: null });
  const profile = await t.request('/api/profiles/u1');
  return profile.status === 200 ? profile.json.properties : profile.status;
}

describe('/engage operations', () => {
  test('$set creates the profile and overwrites keys', async () => {
    expect(await engage(update('$set', { $email: 'a@x.test', plan: 'free' }))).toEqual({ $email: 'a@x.test', plan: 'free' });
    expect(await engage(update('$set', { plan: 'pro', n: { deep: [1] } }))).toEqual({ $email: 'a@x.test', plan: 'pro', n: { deep: [1] } });
  });

  test('$set_once only sets missing keys, and creates the profile', async () => {
    expect(await engage(update('$set_once', { first: 1 }))).toEqual({ first: 1 });
    expect(await engage(update('$set_once', { first: 2, second: 2 }))).toEqual({ first: 1, second: 2 });
  });

  test('$add increments numbers, counting a missing (or non-numeric) property as 0', async () => {
    expect(await engage(update('$add', { coins: 5 }))).toEqual({ coins: 5 });
    expect(await engage(update('$add', { coins: -2, gems: 1.5 }))).toEqual({ coins: 3, gems: 1.5 });
    await engage(update('$set', { label: 'x' }));
    expect(await engage(update('$add', { label: 1 }))).toEqual({ coins: 3, gems: 1.5, label: 1 });
  });

  test('$append pushes one value, creating the list', async () => {
    expect(await engage(update('$append', { seen: 'a' }))).toEqual({ seen: ['a'] });
    expect(await engage(update('$append', { seen: 'a' }))).toEqual({ seen: ['a', 'a'] });
    expect(await engage(update('$append', { seen: ['b'] }))).toEqual({ seen: ['a', 'a', ['b']] });
  });

  test('$union adds values not already present', async () => {
    expect(await engage(update('$union', { tags: ['a', 'b', 'a'] }))).toEqual({ tags: ['a', 'b'] });
    expect(await engage(update('$union', { tags: ['b', 'c', 1] }))).toEqual({ tags: ['a', 'b', 'c', 1] });
  });

  test('$remove removes the value from a list; no-op for an absent list or value', async () => {
    await engage(update('$set', { tags: ['a', 'b', 'a', 'c'], name: 'x' }));
    expect(await engage(update('$remove', { tags: 'a' }))).toEqual({ tags: ['b', 'c'], name: 'x' });
    expect(await engage(update('$remove', { tags: 'zz', missing: 'a', name: 'x' }))).toEqual({ tags: ['b', 'c'], name: 'x' });
  });

  test('$unset deletes keys', async () => {
    await engage(update('$set', { a: 1, b: 2, c: 3 }));
    expect(await engage(update('$unset', ['a', 'c', 'nope']))).toEqual({ b: 2 });
  });

  test('$delete removes the profile', async () => {
    await engage(update('$set', { a: 1 }));
    expect(await engage(update('$delete', ''))).toBe(404);
    expect(count(t, 'profiles')).toBe(0);
    const missing = await t.request('/api/profiles/u1');
    expect(missing.json).toEqual({ status: 0, error: "no profile for distinct_id 'u1'" });
  });

  test('$unset and $remove on a missing profile do not create it', async () => {
    expect(await engage(update('$unset', ['a']), update('$remove', { a: 1 }), update('$delete', null))).toBe(404);
  });

  test('a batch applies in request order, in one transaction', async () => {
    const result = await engage(
      update('$set', { n: 1, list: ['x'] }),
      update('$add', { n: 10 }),
      update('$delete', ''),
      update('$set_once', { n: 100 }),
      update('$append', { list: 'y' }),
      update('$union', { list: ['y', 'z'] }),
      update('$add', { n: 1 }),
    );
    expect(result).toEqual({ n: 101, list: ['y', 'z'] });
  });

  test('a property named __proto__ is stored like any other', async () => {
    const body = `[{"$token":"${TOKEN}","$distinct_id":"u1","$set":{"__proto__":{"polluted":true},"ok":1}}]`;
    expect((await t.post('/engage', body)).status).toBe(200);
    const profile = (await t.request('/api/profiles/u1')).json;
    expect(JSON.stringify(profile.properties)).toBe('{"__proto__":{"polluted":true},"ok":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('profiles are per project token; ?token= picks one, otherwise the latest updated', async () => {
    await t.post('/engage', [{ ...update('$set', { p: 'a' }), $token: 'project-a' }]);
    await t.post('/engage', [{ ...update('$set', { p: 'b' }), $token: 'project-b' }]);
    expect(count(t, 'profiles')).toBe(2);
    expect((await t.request('/api/profiles/u1?token=project-a')).json).toMatchObject({ token: 'project-a', properties: { p: 'a' } });
    expect((await t.request('/api/profiles/u1')).json).toMatchObject({ distinct_id: 'u1', token: 'project-b', properties: { p: 'b' } });
  });

  test('a numeric $distinct_id is stored as text; URL-encoded ids are looked up decoded', async () => {
    await t.post('/engage', [update('$set', { a: 1 }, 1234), update('$set', { b: 1 }, 'user/with space')]);
    expect((await t.request('/api/profiles/1234')).json).toMatchObject({ distinct_id: '1234', properties: { a: 1 } });
    expect((await t.request(`/api/profiles/${encodeURIComponent('user/with space')}`)).json.properties).toEqual({ b: 1 });
  });

  const bad: [string, object, string][] = [
    ['no $token', { $distinct_id: 'u', $set: {} }, '$token must be a string (the project token)'],
    ['empty $distinct_id', { $token: TOKEN, $distinct_id: '', $set: {} }, '$distinct_id must be a non-empty string or a number'],
    ['two operations', { ...update('$set', {}), $unset: ['a'] }, 'exactly one operation per update object, found $set and $unset'],
    ['$set not an object', update('$set', [1]), '$set must be an object of property names to values'],
    ['$add with a string', update('$add', { n: '1' }), '$add.n must be a number'],
    ['$union with a scalar', update('$union', { tags: 'a' }), '$union.tags must be a non-empty array of strings and numbers'],
    ['$union empty', update('$union', {}), '$union must name at least one list property'],
    ['$union with an empty list', update('$union', { tags: [] }), '$union.tags must be a non-empty array of strings and numbers'],
    ['$union of objects, null or booleans', update('$union', { tags: ['a', { b: 1 }] }), '$union.tags must be a non-empty array of strings and numbers'],
    ['$unset an object', update('$unset', { a: 1 }), '$unset must be a non-empty array of property names'],
    ['$unset empty', update('$unset', []), '$unset must be a non-empty array of property names'],
    ['$unset with a number', update('$unset', ['a', 1]), '$unset must be a non-empty array of property names'],
    ['$delete an object', update('$delete', {}), '$delete must be a string or null'],
  ];
  test.each(bad)('%s is refused', async (_name, item, message) => {
    const reply = await t.post('/engage?verbose=1', [update('$set', { ok: 1 }), item]);
    expect(reply.json).toMatchObject({ status: 1, error: null, failed_records: [{ index: 1, message }] });
    expect((await t.request('/api/profiles/u1')).json.properties).toEqual({ ok: 1 });
  });
});

describe('/groups operations', () => {
  const group = (op: string, value: unknown, id: string | number = 'acme') => ({
    $token: TOKEN,
    $group_key: 'company',
    $group_id: id,
    [op]: value,
  });
  async function groups(...updates: object[]): Promise<any> {
    const reply = await t.post('/groups/?verbose=1', updates);
    expect(reply.json).toEqual({ status: 1, error: null });
    const found = await t.request('/api/groups/company/acme');
    return found.status === 200 ? found.json.properties : found.status;
  }

  test('$set, $set_once, $union, $remove, $unset and $delete', async () => {
    expect(await groups(group('$set', { name: 'Acme', size: 10 }))).toEqual({ name: 'Acme', size: 10 });
    expect(await groups(group('$set_once', { name: 'Other', founded: 1999 }))).toEqual({ name: 'Acme', size: 10, founded: 1999 });
    expect(await groups(group('$union', { plans: ['pro', 'team'] }))).toMatchObject({ plans: ['pro', 'team'] });
    expect(await groups(group('$remove', { plans: 'pro' }))).toMatchObject({ plans: ['team'] });
    expect(await groups(group('$unset', ['size', 'founded']))).toEqual({ name: 'Acme', plans: ['team'] });
    expect(await groups(group('$delete', null))).toBe(404);
  });

  test('$add and $append are accepted too (lenient: the spec documents neither for groups)', async () => {
    expect(await groups(group('$add', { seats: 3 }), group('$add', { seats: 2 }), group('$append', { log: 'x' }))).toEqual({
      seats: 5,
      log: ['x'],
    });
  });

  test('the read API returns the group row; a numeric $group_id is stored as text', async () => {
    await t.post('/groups', [group('$set', { a: 1 }, 42)]);
    expect((await t.request('/api/groups/company/42')).json).toMatchObject({
      token: TOKEN,
      group_key: 'company',
      group_id: '42',
      properties: { a: 1 },
    });
    expect((await t.request('/api/groups/company/43')).status).toBe(404);
  });

  test.each([
    ['no $group_key', { $token: TOKEN, $group_id: 'x', $set: {} }, '$group_key must be a non-empty string'],
    ['no $group_id', { $token: TOKEN, $group_key: 'k', $set: {} }, '$group_id must be a non-empty string or a number'],
    ['no operation', { $token: TOKEN, $group_key: 'k', $group_id: 'x' }, 'missing operation: expected exactly one of $set, $set_once, $add, $append, $union, $remove, $unset, $delete'],
  ])('%s is refused', async (_name, item, message) => {
    const reply = await t.post('/groups', [item]);
    expect(reply.status).toBe(400);
    expect(reply.json.failed_records).toMatchObject([{ index: 0, message }]);
    expect(count(t, 'groups')).toBe(0);
  });
});
