import fc from 'fast-check';
import { mixedItemArb, validItemArb, wire } from './arbitraries';
import { FORM, count, form, startTestCollector, type TestCollector } from './helpers';
import { STRICTER_RULES, bodySchema, specValidate, unexcusedSpecErrors, type Kind } from './openapi';

let t: TestCollector;
beforeAll(async () => {
  t = await startTestCollector();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

const KINDS: Kind[] = ['track', 'engage', 'groups'];

/** POST items in batches with verbose=1; return each item's verdict (error message or null). */
async function verdicts(kind: Kind, items: unknown[]): Promise<(string | null)[]> {
  const result: (string | null)[] = [];
  for (let start = 0; start < items.length; start += 50) {
    const batch = items.slice(start, start + 50);
    const reply = await t.post(`/${kind}?verbose=1`, form(batch), FORM);
    const failed = new Map<number, string>((reply.json.failed_records ?? []).map((f: any) => [f.index, f.message]));
    if (reply.status === 400) expect(failed.size).toBe(batch.length);
    else expect(reply.status).toBe(200);
    batch.forEach((_, i) => result.push(failed.get(i) ?? null));
  }
  return result;
}

test('the upstream spec bugs are patched in memory (group-union needs $union, group-delete needs $delete)', () => {
  expect(bodySchema('/groups#group-union').items.required).toEqual(['$token', '$group_key', '$group_id', '$union']);
  expect(bodySchema('/groups#group-delete').items.required).toEqual(['$token', '$group_key', '$group_id', '$delete']);
});

test("the spec's own batch examples are accepted and applied", async () => {
  for (const [kind, specPath] of [
    ['engage', '/engage#profile-batch-update'],
    ['groups', '/groups#group-batch-update'],
  ] as const) {
    const example = JSON.parse(bodySchema(specPath).default);
    for (const item of example) expect(specValidate(kind, item)).toEqual([]);
    // As the spec shows it: a raw JSON body.
    const reply = await t.post(`/${kind}?verbose=1`, JSON.stringify(example));
    expect(reply.json).toEqual({ status: 1, error: null });
  }
  expect((await t.request('/api/profiles/13793')).json.properties).toEqual({ $email: 'user1@mail.com' });
  expect((await t.request('/api/profiles/13794')).json.properties).toEqual({ 'Coins Gathered': 13 });
  expect((await t.request('/api/profiles/13795')).status).toBe(404); // $unset never creates a profile
  expect((await t.request('/api/groups/Company/Wayne%20Enterprises')).json.properties).toEqual({ Address: 'Wayne Tower, Gotham City' });
});

test.each(KINDS)('spec-valid %s items are accepted unless they break a documented stricter rule', async (kind) => {
  const items = fc.sample(validItemArb[kind], { numRuns: 300, seed: 4242 }).map(wire);
  const specValid = items.filter((item) => (specValidate(kind, item) as unknown[]).length === 0);
  expect(specValid.length).toBeGreaterThan(30);
  const results = await verdicts(kind, specValid);
  const refused = results.flatMap((message, i) => (message === null ? [] : [{ item: specValid[i], message }]));
  for (const { message } of refused) expect(STRICTER_RULES.some((rule) => rule.test(message))).toBe(true);
  // The stricter rules are narrow: almost everything the spec allows gets in.
  expect(refused.length).toBeLessThan(specValid.length / 2);
});

test('spec-valid items breaking a stricter rule of the issue are refused, each with its message', async () => {
  const cases: [Kind, object, RegExp][] = [
    ['track', { event: '', properties: { token: 't' } }, STRICTER_RULES[1]!],
    ['track', { event: 'e', properties: {} }, STRICTER_RULES[0]!],
    ['track', { event: 'e', properties: { token: 't', $insert_id: 'has_underscore' } }, STRICTER_RULES[2]!],
    ['engage', { $token: 't', $distinct_id: '', $set: {} }, STRICTER_RULES[3]!],
    ['engage', { $token: 't', $distinct_id: 'u', $set: {}, $add: { n: 1 } }, STRICTER_RULES[6]!],
    ['groups', { $token: 't', $group_key: '', $group_id: 'g', $set: {} }, STRICTER_RULES[4]!],
    ['groups', { $token: 't', $group_key: 'k', $group_id: '', $set: {} }, STRICTER_RULES[5]!],
  ];
  for (const [kind, item, rule] of cases) {
    const errors = specValidate(kind, item);
    // The two-operation item matches no single operation schema, but each alone allows it.
    if (errors !== 'no schema') expect(errors).toEqual([]);
    const [message] = await verdicts(kind, [item]);
    expect(message).toMatch(rule);
  }
  expect(count(t, 'events') + count(t, 'profiles') + count(t, 'groups')).toBe(0);
});

test.each(KINDS)('every %s item the collector accepts from a mixed sample is valid per the spec', async (kind) => {
  const items = fc.sample(mixedItemArb[kind], { numRuns: 600, seed: 777 }).map(wire);
  const results = await verdicts(kind, items);
  const accepted = items.filter((_, i) => results[i] === null);
  const refused = items.flatMap((item, i) => (results[i] === null ? [] : [{ item, message: results[i]! }]));
  expect(accepted.length).toBeGreaterThan(100);
  expect(refused.length).toBeGreaterThan(100);
  const problems = accepted.flatMap((item) => {
    const errors = unexcusedSpecErrors(kind, item);
    return errors.length ? [{ item, errors }] : [];
  });
  expect(problems).toEqual([]);
  // A refusal of a spec-valid item must be one of the stricter rules, never an accident.
  for (const { item, message } of refused) {
    const errors = specValidate(kind, item);
    if (Array.isArray(errors) && errors.length === 0) expect([message, STRICTER_RULES.some((rule) => rule.test(message))]).toEqual([message, true]);
  }
  if (kind === 'track') expect(count(t, 'events')).toBeGreaterThan(0);
});
