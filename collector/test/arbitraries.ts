import fc from 'fast-check';
import { DISALLOWED_IDS } from '../src/validate';
import type { Kind } from './openapi';

/** fast-check generators for ingestion items: valid ones and their damaged relatives. */

export const tokenArb = fc.constantFrom('tok-a', 'tok-b', '');
/** Mixpanel refuses these as ids (wire reference §2.4); a valid item never carries one. */
const usableId = (id: string | number) => !DISALLOWED_IDS.includes(String(id).trim().toLowerCase());
const idArb = fc.oneof(fc.constantFrom('alice', 'bob', 'carol'), fc.string({ minLength: 1, maxLength: 12 })).filter(usableId);
const numericIdArb = fc.integer().filter(usableId);
export const insertIdArb = fc.stringMatching(/^[A-Za-z0-9-]{1,36}$/).filter(usableId);
const nameArb = fc.oneof(fc.constantFrom('Page View', 'Signed Up', '$opt_in', 'Purchase'), fc.string({ minLength: 1, maxLength: 20 }));
const keyArb = fc.oneof(fc.constantFrom('plan', 'count', 'tags', '$email', '__proto__', 'constructor'), fc.string({ maxLength: 10 }));
/** Lists and objects at most 3 deep inside a property, as Mixpanel allows. */
const jsonArb = fc.jsonValue({ maxDepth: 3 });
const NOW_S = Math.floor(Date.now() / 1000);
const propsArb = fc.dictionary(keyArb, jsonArb, { maxKeys: 5 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const scalarArb = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), finite);

/** A /track item the collector must accept (and the spec allows, modulo the leniencies). */
export const validEventArb = fc.record(
  {
    event: nameArb,
    properties: fc
      .record(
        {
          token: tokenArb,
          // Seconds or ms between 1971 and now (Mixpanel refuses earlier times and times over an hour ahead).
          time: fc.oneof(fc.integer({ min: 31_536_000, max: NOW_S }), fc.integer({ min: 1e11, max: NOW_S * 1000 }), fc.double({ min: 31_536_000, max: NOW_S, noNaN: true })),
          distinct_id: fc.oneof(idArb, numericIdArb),
          $insert_id: insertIdArb,
        },
        { requiredKeys: ['token'] },
      )
      .chain((base) => propsArb.map((extra) => ({ ...extra, ...base }))),
  },
  { requiredKeys: ['event', 'properties'] },
);

/** One operand per operation, as the spec's operation schemas allow. */
const operandArbs: Record<string, fc.Arbitrary<unknown>> = {
  $set: propsArb,
  $set_once: propsArb,
  $add: fc.dictionary(keyArb, fc.oneof(fc.integer({ min: -1000, max: 1000 }), finite), { maxKeys: 3 }),
  $append: propsArb,
  $union: fc.dictionary(keyArb, fc.array(scalarArb, { minLength: 1, maxLength: 4 }), { minKeys: 1, maxKeys: 3 }),
  $remove: fc.dictionary(keyArb, scalarArb, { maxKeys: 3 }),
  $unset: fc.array(keyArb, { minLength: 1, maxLength: 3 }),
  $delete: fc.constantFrom('', null, 'null'),
};

const opArb = (ops: string[]) => fc.constantFrom(...ops).chain((op) => operandArbs[op]!.map((value) => ({ [op]: value })));

export const validProfileUpdateArb = fc
  .tuple(tokenArb, fc.oneof(idArb, numericIdArb), opArb(Object.keys(operandArbs)), fc.option(fc.constant({ $ignore_time: true }), { nil: undefined }))
  .map(([token, id, op, extra]) => ({ $token: token, $distinct_id: id, ...op, ...extra }));

export const validGroupUpdateArb = fc
  .tuple(tokenArb, fc.constantFrom('company', 'team'), fc.oneof(idArb, fc.integer()), opArb(['$set', '$set_once', '$union', '$remove', '$unset', '$delete']))
  .map(([token, key, id, op]) => ({ $token: token, $group_key: key, $group_id: id, ...op }));

export const validItemArb: Record<Kind, fc.Arbitrary<any>> = {
  track: validEventArb,
  engage: validProfileUpdateArb,
  groups: validGroupUpdateArb,
};

const SPEC_KEYS = ['token', 'time', 'distinct_id', '$insert_id'];

/** Take a valid item and break (or keep) one thing about it, mostly a field the rules look at. */
function damaged(valid: fc.Arbitrary<any>): fc.Arbitrary<unknown> {
  const someKey = (keys: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
  const badValue = fc.oneof(fc.anything({ maxDepth: 2 }), fc.constantFrom('', '1', 0, 1.5, -1, null, [], {}, [1], ['a'], 'a_b', 'x'.repeat(40)));
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    {
      weight: 4,
      arbitrary: valid.chain((item) =>
        fc.tuple(someKey(Object.keys(item)), badValue).map(([key, value]) => ({ ...item, [key]: value })),
      ),
    },
    {
      weight: 2,
      arbitrary: valid.chain((item) =>
        fc.constantFrom(...Object.keys(item)).map((key) => {
          const copy = { ...item };
          delete copy[key];
          return copy;
        }),
      ),
    },
    {
      weight: 3,
      arbitrary: valid.chain((item) =>
        fc.tuple(someKey(SPEC_KEYS), badValue).map(([key, value]) =>
          item.properties ? { ...item, properties: { ...item.properties, [key]: value } } : item,
        ),
      ),
    },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  );
}

export const mixedItemArb: Record<Kind, fc.Arbitrary<unknown>> = {
  track: damaged(validEventArb),
  engage: damaged(validProfileUpdateArb),
  groups: damaged(validGroupUpdateArb),
};

/** Round-trip through JSON: what the collector actually receives. */
export function wire<T>(value: T): T {
  const text = JSON.stringify(value);
  return text === undefined ? (null as T) : JSON.parse(text);
}
