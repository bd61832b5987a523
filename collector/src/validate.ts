/**
 * Per-item validation for `/track`, `/engage` and `/groups`. Each check returns the normalised
 * record or a {@link Refusal} naming the offending field; a batch keeps its good items.
 *
 * The rules follow the ingestion OpenAPI spec (test/fixtures/mixpanel-specs), the ingestion docs
 * (wire reference §2.4: `$insert_id` 1-36 of `[A-Za-z0-9-]`, `time` after 1971 and at most an
 * hour ahead, the disallowed distinct_ids, the per-item limits in limits.ts) and the stricter
 * checks of the collector's issue (`token`, non-empty `event`), with these deliberate leniencies,
 * each because a Mixpanel SDK sends it:
 * - `properties.time` may be fractional (mixpanel-js and mixpanel-python send float seconds; the
 *   spec says integer);
 * - `distinct_id`, `$distinct_id` and `$group_id` may be numbers (mixpanel-js accepts numbers);
 * - `/groups` also accepts `$add` and `$append` (the spec's batch text mentions `$add`).
 * `$union` is held to the spec: at least one list, each non-empty, of strings and numbers.
 */

import { propertiesProblem, textProblem, valueProblem, type Problem } from './limits.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Props = Record<string, Json>;

export interface EventRecord {
  token: string;
  event: string;
  distinctId: string | null;
  insertId: string | null;
  time: number | null;
  /** `properties` as JSON text, serialised once here and stored as is. */
  properties: string;
}

export type ProfileOp = '$set' | '$set_once' | '$add' | '$append' | '$union' | '$remove' | '$unset' | '$delete';

export interface ProfileUpdate {
  token: string;
  distinctId: string;
  op: ProfileOp;
  value: Json;
}

export interface GroupUpdate {
  token: string;
  groupKey: string;
  groupId: string;
  op: ProfileOp;
  value: Json;
}

const PROFILE_OPS: readonly ProfileOp[] = ['$set', '$set_once', '$add', '$append', '$union', '$remove', '$unset', '$delete'];
const GROUP_OPS = PROFILE_OPS;
const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;
const EVENT_KEYS = new Set(['event', 'properties']);

/** Ids Mixpanel refuses as a distinct_id (and as an `$insert_id`), wire reference §2.4. */
export const DISALLOWED_IDS: readonly string[] = [
  '00000000-0000-0000-0000-000000000000', 'anon', 'anonymous', 'nil', 'none', 'null', 'n/a', 'na',
  'undefined', 'unknown', '<nil>', '0', '-1', 'true', 'false', '[]', '{}',
];
/** 1971-01-01T00:00:00Z in seconds: Mixpanel refuses earlier times. */
const EARLIEST = 31_536_000;
/** Mixpanel refuses times more than an hour ahead. */
const AHEAD_S = 3600;

/** Why an item is refused: Mixpanel's `failed_records[]` `field` (dotted; '' for the item as a whole) and `message`. */
export class Refusal {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

const refuse = (field: string, message: string) => new Refusal(field, message);
const refused = (problem: Problem | undefined) => problem && new Refusal(problem.field, problem.message);

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);
const disallowed = (id: string | number) => DISALLOWED_IDS.includes(String(id).trim().toLowerCase());

/** Why a distinct_id (or `$distinct_id`) cannot be used, or undefined; `''` is allowed where `empty`. */
function idProblem(field: string, id: unknown, empty: boolean): Refusal | undefined {
  if (isNumber(id)) return disallowed(id) ? refuse(field, `${field} ${id} is a disallowed distinct_id`) : undefined;
  if (typeof id !== 'string' || (id === '' && !empty)) return refuse(field, `${field} must be a ${empty ? '' : 'non-empty '}string or a number`);
  if (disallowed(id)) return refuse(field, `${field} ${JSON.stringify(id)} is a disallowed distinct_id`);
  const text = textProblem(id);
  return text === undefined ? undefined : refuse(field, `${field} ${text}`);
}

/** Seconds or milliseconds since the epoch (a value from 1e11 up is taken as ms), between 1971 and an hour from now. */
function timeProblem(time: unknown): Refusal | undefined {
  if (!isNumber(time)) return refuse('properties.time', 'properties.time must be a number (seconds or ms since epoch)');
  const seconds = time >= 1e11 ? time / 1000 : time;
  if (seconds < EARLIEST) return refuse('properties.time', `properties.time ${time} is before 1971`);
  if (seconds > Date.now() / 1000 + AHEAD_S) return refuse('properties.time', `properties.time ${time} is more than an hour in the future`);
  return undefined;
}

function insertIdProblem(insertId: unknown): Refusal | undefined {
  if (typeof insertId !== 'string' || !INSERT_ID.test(insertId)) {
    return refuse('properties.$insert_id', 'properties.$insert_id must be 1-36 characters of A-Z, a-z, 0-9 and -');
  }
  return disallowed(insertId) ? refuse('properties.$insert_id', `properties.$insert_id ${JSON.stringify(insertId)} is a disallowed value`) : undefined;
}

/** A `/track` item, or why it is refused. */
export function checkEvent(item: unknown): EventRecord | Refusal {
  if (!isObject(item)) return refuse('', 'item must be an object {event, properties}');
  for (const key in item) {
    if (!EVENT_KEYS.has(key)) return refuse(key, `unexpected key '${key}': a /track item has only event and properties`);
  }
  const { event, properties } = item;
  if (typeof event !== 'string' || event === '') return refuse('event', 'event must be a non-empty string');
  const name = textProblem(event);
  if (name) return refuse('event', `event ${name}`);
  if (!isObject(properties)) return refuse('properties', 'properties must be an object');
  const { token, time, distinct_id: distinctId, $insert_id: insertId } = properties;
  if (typeof token !== 'string') return refuse('properties.token', 'properties.token must be a string (the project token)');
  const problem =
    (time !== undefined ? timeProblem(time) : undefined) ||
    (insertId !== undefined ? insertIdProblem(insertId) : undefined) ||
    (distinctId !== undefined ? idProblem('properties.distinct_id', distinctId, true) : undefined) ||
    refused(propertiesProblem('properties', properties));
  if (problem) return problem;
  const json = serialise(properties);
  if (json === undefined) return refuse('properties', 'properties cannot be serialised as JSON');
  return {
    token,
    event,
    distinctId: distinctId === undefined ? null : String(distinctId),
    insertId: (insertId as string | undefined) ?? null,
    time: (time as number | undefined) ?? null,
    properties: json,
  };
}

/** An `/engage` update object, or why it is refused. */
export function checkProfileUpdate(item: unknown): ProfileUpdate | Refusal {
  if (!isObject(item)) return refuse('', 'item must be an object {$token, $distinct_id, <operation>}');
  if (typeof item.$token !== 'string') return refuse('$token', '$token must be a string (the project token)');
  const distinctId = item.$distinct_id;
  const problem = idProblem('$distinct_id', distinctId, false);
  if (problem) return problem;
  const op = operationOf(item, PROFILE_OPS);
  if (op instanceof Refusal) return op;
  return { token: item.$token, distinctId: String(distinctId), op, value: item[op] as Json };
}

/** A `/groups` update object, or why it is refused. */
export function checkGroupUpdate(item: unknown): GroupUpdate | Refusal {
  if (!isObject(item)) return refuse('', 'item must be an object {$token, $group_key, $group_id, <operation>}');
  if (typeof item.$token !== 'string') return refuse('$token', '$token must be a string (the project token)');
  const { $group_key: groupKey, $group_id: groupId } = item;
  if (typeof groupKey !== 'string' || groupKey === '') return refuse('$group_key', '$group_key must be a non-empty string');
  if (!(typeof groupId === 'string' && groupId !== '') && !isNumber(groupId)) {
    return refuse('$group_id', '$group_id must be a non-empty string or a number');
  }
  const keyText = textProblem(groupKey);
  if (keyText) return refuse('$group_key', `$group_key ${keyText}`);
  const idText = typeof groupId === 'string' ? textProblem(groupId) : undefined;
  if (idText) return refuse('$group_id', `$group_id ${idText}`);
  const op = operationOf(item, GROUP_OPS);
  if (op instanceof Refusal) return op;
  return { token: item.$token, groupKey, groupId: String(groupId), op, value: item[op] as Json };
}

/** The single operation of an update object with a valid operand, or why not. */
function operationOf(item: Record<string, unknown>, ops: readonly ProfileOp[]): ProfileOp | Refusal {
  const found = ops.filter((op) => own(item, op));
  if (found.length === 0) return refuse('', `missing operation: expected exactly one of ${ops.join(', ')}`);
  if (found.length > 1) return refuse('', `exactly one operation per update object, found ${found.join(' and ')}`);
  const op = found[0]!;
  return checkOperand(op, item[op]) || op;
}

function checkOperand(op: ProfileOp, value: unknown): Refusal | undefined {
  switch (op) {
    case '$delete':
      // The value is ignored; the spec types it as a nullable string and the SDKs send "".
      return value === null || typeof value === 'string' ? undefined : refuse(op, '$delete must be a string or null');
    case '$unset':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
        return refuse(op, '$unset must be a non-empty array of property names');
      }
      return refused(valueProblem(op, value));
    default:
      break;
  }
  if (!isObject(value)) return refuse(op, `${op} must be an object of property names to values`);
  if (op === '$add') {
    for (const key in value) if (!isNumber(value[key])) return refuse(`${op}.${key}`, `$add.${key} must be a number`);
  } else if (op === '$union') {
    if (Object.keys(value).length === 0) return refuse(op, '$union must name at least one list property');
    for (const key in value) {
      const list = value[key];
      if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' || isNumber(v))) {
        return refuse(`${op}.${key}`, `$union.${key} must be a non-empty array of strings and numbers`);
      }
    }
  }
  const problem = refused(propertiesProblem(op, value));
  if (problem) return problem;
  if (serialise(value) === undefined) return refuse(op, `${op} cannot be serialised as JSON`);
  return undefined;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** JSON text, or undefined when the value cannot be stored. */
function serialise(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
