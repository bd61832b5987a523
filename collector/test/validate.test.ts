import { DISALLOWED_IDS, Refusal, checkEvent, checkGroupUpdate, checkProfileUpdate } from '../src/validate';
import { FORM, TOKEN, count, events, form, startTestCollector, type TestCollector } from './helpers';

/**
 * What Mixpanel refuses (wire reference §2.4, the ingestion spec) and heed used to send (issue
 * 13): each is refused here with the field at fault, and each boundary value just inside the
 * limit is accepted.
 */
const NOW_MS = Date.now();
const ev = (properties: Record<string, unknown>, event = 'e') => ({
  event,
  properties: { token: TOKEN, distinct_id: 'u', $insert_id: 'id-1', time: NOW_MS, ...properties },
});
const group = (fields: Record<string, unknown>) => ({ $token: TOKEN, $group_key: 'company', $group_id: 'acme', ...fields });
const profile = (fields: Record<string, unknown>) => ({ $token: TOKEN, $distinct_id: 'u', ...fields });
const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
const nested = (levels: number): unknown => (levels === 0 ? 1 : { n: nested(levels - 1) });

function refusal(result: unknown): { field: string; message: string } | undefined {
  return result instanceof Refusal ? { field: result.field, message: result.message } : undefined;
}

describe('/track items', () => {
  const refused: [string, unknown, string, RegExp][] = [
    ['$insert_id with a space and !', ev({ $insert_id: 'not valid!' }), 'properties.$insert_id', /must be 1-36 characters/],
    ['$insert_id of 37 characters', ev({ $insert_id: 'a'.repeat(37) }), 'properties.$insert_id', /must be 1-36 characters/],
    ['$insert_id an object', ev({ $insert_id: { id: 1 } }), 'properties.$insert_id', /must be 1-36 characters/],
    ['$insert_id an array', ev({ $insert_id: ['a'] }), 'properties.$insert_id', /must be 1-36 characters/],
    ['$insert_id a disallowed value', ev({ $insert_id: 'null' }), 'properties.$insert_id', /"null" is a disallowed value/],
    ['time a string', ev({ time: 'yesterday' }), 'properties.time', /must be a number/],
    ['time 0 (Date.now stubbed by fake timers)', ev({ time: 0 }), 'properties.time', /is before 1971/],
    ['time NaN-ish null', ev({ time: null }), 'properties.time', /must be a number/],
    ['time 2 h ahead', ev({ time: NOW_MS + 2 * 3600_000 }), 'properties.time', /more than an hour in the future/],
    ['time 2 h ahead in seconds', ev({ time: NOW_MS / 1000 + 7200 }), 'properties.time', /more than an hour in the future/],
    ['distinct_id an object', ev({ distinct_id: { id: 1 } }), 'properties.distinct_id', /must be a string or a number/],
    ['distinct_id an array', ev({ distinct_id: ['u'] }), 'properties.distinct_id', /must be a string or a number/],
    ['distinct_id "undefined"', ev({ distinct_id: 'undefined' }), 'properties.distinct_id', /"undefined" is a disallowed distinct_id/],
    ['distinct_id -1 (a number)', ev({ distinct_id: -1 }), 'properties.distinct_id', /-1 is a disallowed distinct_id/],
    ['distinct_id " NULL " (trimmed, any case)', ev({ distinct_id: ' NULL ' }), 'properties.distinct_id', /is a disallowed distinct_id/],
    ['255 properties', { event: 'e', properties: { token: TOKEN, ...wide(254) } }, 'properties', /has 255 properties \(the limit is 254\)/],
    ['a property name of 256 characters', ev({ ['k'.repeat(256)]: 1 }), 'properties', /property name that is longer than 255 characters/],
    ['a string of 256 characters', ev({ s: 'x'.repeat(256) }), 'properties.s', /is longer than 255 characters/],
    ['a split surrogate pair at the cut', ev({ s: 'a'.repeat(254) + '\ud83d' }), 'properties.s', /lone surrogate/],
    ['a lone low surrogate', ev({ s: '\udc00x' }), 'properties.s', /lone surrogate/],
    ['a lone surrogate in a name', ev({ ['\ud800']: 1 }), 'properties', /property name that holds a lone surrogate/],
    ['a list of 255 items', ev({ l: Array(255).fill(1) }), 'properties.l', /list of 255 items/],
    ['a nested object of 255 keys', ev({ o: wide(255) }), 'properties.o', /has 255 keys/],
    ['nesting 4 deep', ev({ o: nested(4) }), 'properties.o.n.n.n', /more than 3 deep/],
    ['lists nested 4 deep', ev({ l: [[[[1]]]] }), 'properties.l[0][0][0]', /more than 3 deep/],
    ['a deep string inside a list', ev({ l: [{ s: '\ud83d' }] }), 'properties.l[0].s', /lone surrogate/],
    ['an event name of 256 characters', ev({}, 'e'.repeat(256)), 'event', /is longer than 255 characters/],
  ];
  test.each(refused)('%s is refused, naming %s', (_name, item, field, message) => {
    expect(refusal(checkEvent(item))).toEqual({ field: expect.any(String), message: expect.stringMatching(message) });
    expect(refusal(checkEvent(item))!.field).toBe(field);
  });

  test.each(DISALLOWED_IDS.map((id) => [id]))('distinct_id %j is refused', (id) => {
    expect(refusal(checkEvent(ev({ distinct_id: id })))?.message).toMatch(/is a disallowed distinct_id/);
  });

  const accepted: [string, unknown][] = [
    ['254 properties', { event: 'e', properties: { token: TOKEN, ...wide(253) } }],
    ['names and strings of 255 characters', ev({ ['k'.repeat(255)]: 'x'.repeat(255) })],
    ['255 characters, one of them astral (256 UTF-16 units)', ev({ s: 'a'.repeat(254) + '😀' })],
    ['a list of 254 items and an object of 254 keys', ev({ l: Array(254).fill('x'), o: wide(254) })],
    ['nesting 3 deep', ev({ o: nested(3), l: [[[1]]] })],
    ['an empty distinct_id (allowed, excluded from analysis)', ev({ distinct_id: '' })],
    ['time in seconds, fractional', ev({ time: NOW_MS / 1000 - 0.5 })],
    ['time just after 1971 in seconds', ev({ time: 31_536_001 })],
    ['time 59 minutes ahead', ev({ time: NOW_MS + 59 * 60_000 })],
    ['no time, no $insert_id, no distinct_id (the server fills them)', { event: 'e', properties: { token: TOKEN } }],
  ];
  test.each(accepted)('%s is accepted', (_name, item) => {
    expect(refusal(checkEvent(item))).toBeUndefined();
  });
});

describe('/engage and /groups items', () => {
  const refused: [string, (item: unknown) => unknown, unknown, string, RegExp][] = [
    ['group $set without $group_key', checkGroupUpdate, { $token: TOKEN, $group_id: 'acme', $set: { a: 1 } }, '$group_key', /non-empty string/],
    ['group $set without $group_id', checkGroupUpdate, { $token: TOKEN, $group_key: 'co', $set: { a: 1 } }, '$group_id', /non-empty string or a number/],
    ['$group_id an object (get_group("co", {}))', checkGroupUpdate, group({ $group_id: {}, $set: { a: 1 } }), '$group_id', /non-empty string or a number/],
    ['$group_id an array', checkGroupUpdate, group({ $group_id: ['a'], $set: { a: 1 } }), '$group_id', /non-empty string or a number/],
    ['$group_id of 256 characters', checkGroupUpdate, group({ $group_id: 'g'.repeat(256), $set: { a: 1 } }), '$group_id', /longer than 255/],
    ['an empty $unset list (people.unset([]))', checkProfileUpdate, profile({ $unset: [] }), '$unset', /non-empty array/],
    ['an empty group $unset list', checkGroupUpdate, group({ $unset: [] }), '$unset', /non-empty array/],
    ['an empty $union list (people.union("k", []))', checkProfileUpdate, profile({ $union: { k: [] } }), '$union.k', /non-empty array of strings and numbers/],
    ['$union holding an object', checkProfileUpdate, profile({ $union: { k: ['a', { b: 1 }] } }), '$union.k', /strings and numbers/],
    ['$union holding null', checkProfileUpdate, profile({ $union: { k: [null] } }), '$union.k', /strings and numbers/],
    ['$union holding a boolean', checkGroupUpdate, group({ $union: { k: [true] } }), '$union.k', /strings and numbers/],
    ['$union of 255 items', checkProfileUpdate, profile({ $union: { k: Array.from({ length: 255 }, (_, i) => i) } }), '$union.k', /list of 255 items/],
    ['$distinct_id "null"', checkProfileUpdate, profile({ $distinct_id: 'null', $set: { a: 1 } }), '$distinct_id', /disallowed distinct_id/],
    ['$distinct_id an object', checkProfileUpdate, profile({ $distinct_id: { id: 1 }, $set: { a: 1 } }), '$distinct_id', /non-empty string or a number/],
    ['$set with a split surrogate', checkProfileUpdate, profile({ $set: { name: 'a'.repeat(254) + '\ud83d' } }), '$set.name', /lone surrogate/],
    ['$set nesting 4 deep', checkGroupUpdate, group({ $set: { o: nested(4) } }), '$set.o.n.n.n', /more than 3 deep/],
    ['$set of 255 keys', checkProfileUpdate, profile({ $set: wide(255) }), '$set', /has 255 properties/],
  ];
  test.each(refused)('%s is refused, naming %s', (_name, check, item, field, message) => {
    expect(refusal(check(item))).toEqual({ field, message: expect.stringMatching(message) });
  });

  test('the boundaries are accepted: union of strings and numbers, a numeric $group_id, 254 keys', () => {
    expect(refusal(checkProfileUpdate(profile({ $union: { k: ['a', 1, 2.5] } })))).toBeUndefined();
    expect(refusal(checkGroupUpdate(group({ $group_id: 42, $union: { k: ['a'] } })))).toBeUndefined();
    expect(refusal(checkProfileUpdate(profile({ $set: wide(254) })))).toBeUndefined();
    expect(refusal(checkProfileUpdate(profile({ $unset: ['a'] })))).toBeUndefined();
  });
});

describe('over HTTP: good items of a bad batch are stored, failed_records in Mixpanel’s shape', () => {
  let t: TestCollector;
  beforeAll(async () => {
    t = await startTestCollector();
  });
  afterAll(() => t.close());
  beforeEach(() => t.reset());

  test('/track: index, insert_id, field and message for each refused item', async () => {
    const batch = [ev({ $insert_id: 'good-1' }), ev({ $insert_id: 'bad-1', time: 0 }), ev({ $insert_id: 'bad-2', distinct_id: 'null' }), ev({ $insert_id: 'good-2' })];
    const reply = await t.post('/track?verbose=1', form(batch), FORM);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      status: 1,
      error: null,
      failed_records: [
        { index: 1, insert_id: 'bad-1', field: 'properties.time', message: 'properties.time 0 is before 1971' },
        { index: 2, insert_id: 'bad-2', field: 'properties.distinct_id', message: 'properties.distinct_id "null" is a disallowed distinct_id' },
      ],
    });
    expect((await events(t)).map((e) => e.insert_id)).toEqual(['good-1', 'good-2']);
    const logged = (await t.request('/api/requests?path=/track')).json.requests;
    expect(logged).toEqual([expect.objectContaining({ status: 200, received: 4, items: 2 })]);
  });

  test('/groups: a batch of only bad items is a 400 {status: 0, error} and stores nothing', async () => {
    const reply = await t.post('/groups?verbose=1', form([{ $token: TOKEN, $set: { a: 1 } }, group({ $group_id: {}, $set: { a: 1 } })]), FORM);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({
      status: 0,
      error: expect.stringMatching(/^no valid items: all 2 failed validation/),
      failed_records: [
        { index: 0, field: '$group_key', message: '$group_key must be a non-empty string' },
        { index: 1, field: '$group_id', message: '$group_id must be a non-empty string or a number' },
      ],
    });
    expect(count(t, 'groups')).toBe(0);
  });
});
