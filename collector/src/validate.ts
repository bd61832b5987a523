/**
 * Per-item validation for `/track`, `/engage` and `/groups`. Each check returns the normalised
 * record or a message naming the offending field; a batch keeps its good items.
 *
 * The rules follow the ingestion OpenAPI spec (test/fixtures/mixpanel-specs) with the stricter
 * checks of the collector's issue (`token`, non-empty `event`, `$insert_id` format) and these
 * deliberate leniencies, each because a Mixpanel SDK sends it:
 * - `properties.time` may be fractional (mixpanel-js and mixpanel-python send float seconds; the
 *   spec says integer);
 * - `distinct_id`, `$distinct_id` and `$group_id` may be numbers (mixpanel-js accepts numbers);
 * - `$union` lists may be empty and hold any JSON value (mixpanel-js wraps whatever it is given);
 * - `/groups` also accepts `$add` and `$append` (the spec's batch text mentions `$add`).
 */

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

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** A `/track` item, or why it is refused. */
export function checkEvent(item: unknown): EventRecord | string {
  if (!isObject(item)) return 'item must be an object {event, properties}';
  for (const key in item) {
    if (!EVENT_KEYS.has(key)) return `unexpected key '${key}': a /track item has only event and properties`;
  }
  const { event, properties } = item;
  if (typeof event !== 'string' || event === '') return 'event must be a non-empty string';
  if (!isObject(properties)) return 'properties must be an object';
  const { token, time, distinct_id: distinctId, $insert_id: insertId } = properties;
  if (typeof token !== 'string') return 'properties.token must be a string (the project token)';
  if (time !== undefined && !isNumber(time)) return 'properties.time must be a number (seconds or ms since epoch)';
  if (insertId !== undefined && (typeof insertId !== 'string' || !INSERT_ID.test(insertId))) {
    return 'properties.$insert_id must be 1-36 characters of A-Z, a-z, 0-9 and -';
  }
  if (distinctId !== undefined && typeof distinctId !== 'string' && !isNumber(distinctId)) {
    return 'properties.distinct_id must be a string or a number';
  }
  const json = serialise(properties);
  if (json === undefined) return 'properties cannot be serialised as JSON';
  return {
    token,
    event,
    distinctId: distinctId === undefined ? null : String(distinctId),
    insertId: insertId ?? null,
    time: time ?? null,
    properties: json,
  };
}

/** An `/engage` update object, or why it is refused. */
export function checkProfileUpdate(item: unknown): ProfileUpdate | string {
  if (!isObject(item)) return 'item must be an object {$token, $distinct_id, <operation>}';
  if (typeof item.$token !== 'string') return '$token must be a string (the project token)';
  const distinctId = item.$distinct_id;
  if (!(typeof distinctId === 'string' && distinctId !== '') && !isNumber(distinctId)) {
    return '$distinct_id must be a non-empty string or a number';
  }
  const op = findOperation(item, PROFILE_OPS);
  if (!op.startsWith('$')) return op;
  const problem = checkOperand(op as ProfileOp, item[op]);
  if (problem) return problem;
  return { token: item.$token, distinctId: String(distinctId), op: op as ProfileOp, value: item[op] as Json };
}

/** A `/groups` update object, or why it is refused. */
export function checkGroupUpdate(item: unknown): GroupUpdate | string {
  if (!isObject(item)) return 'item must be an object {$token, $group_key, $group_id, <operation>}';
  if (typeof item.$token !== 'string') return '$token must be a string (the project token)';
  const { $group_key: groupKey, $group_id: groupId } = item;
  if (typeof groupKey !== 'string' || groupKey === '') return '$group_key must be a non-empty string';
  if (!(typeof groupId === 'string' && groupId !== '') && !isNumber(groupId)) {
    return '$group_id must be a non-empty string or a number';
  }
  const op = findOperation(item, GROUP_OPS);
  if (!op.startsWith('$')) return op;
  const problem = checkOperand(op as ProfileOp, item[op]);
  if (problem) return problem;
  return { token: item.$token, groupKey, groupId: String(groupId), op: op as ProfileOp, value: item[op] as Json };
}

/** The single operation key of an update object, or a message (which never starts with `$`). */
function findOperation(item: Record<string, unknown>, ops: readonly string[]): string {
  const found = ops.filter((op) => own(item, op));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) return `missing operation: expected exactly one of ${ops.join(', ')}`;
  return `exactly one operation per update object, found ${found.join(' and ')}`;
}

function checkOperand(op: ProfileOp, value: unknown): string | undefined {
  switch (op) {
    case '$delete':
      // The value is ignored; the spec types it as a nullable string and the SDKs send "".
      return value === null || typeof value === 'string' ? undefined : '$delete must be a string or null';
    case '$unset':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
        return '$unset must be a non-empty array of property names';
      }
      return undefined;
    default:
      break;
  }
  if (!isObject(value)) return `${op} must be an object of property names to values`;
  if (op === '$add') {
    for (const key in value) if (!isNumber(value[key])) return `$add.${key} must be a number`;
  } else if (op === '$union') {
    if (Object.keys(value).length === 0) return '$union must name at least one list property';
    for (const key in value) if (!Array.isArray(value[key])) return `$union.${key} must be an array of values`;
  }
  if (serialise(value) === undefined) return `${op} cannot be serialised as JSON`;
  return undefined;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** JSON text, or undefined when the value cannot be stored (nesting deep enough to overflow). */
function serialise(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
