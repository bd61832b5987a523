import { LENIENCIES, specErrors, type Kind } from '../../collector/test/openapi';
import { Refusal, checkEvent, checkGroupUpdate, checkProfileUpdate } from '../../collector/src/validate';

/**
 * Whether one item heed put on the wire is something Mixpanel takes: valid against the ingestion
 * OpenAPI document (the one loader the collector and tracker tests share, with the two upstream
 * group bugs patched) and within the ingestion docs' rules and limits (the collector's checks:
 * `$insert_id`, `time`, disallowed ids, sizes, surrogates, `$union` / `$unset` contents).
 *
 * Stricter than the collector where the collector is lenient for other SDKs: a numeric
 * `distinct_id` / `$distinct_id` counts as invalid (the spec says string, and heed can send one).
 * Excused, as Mixpanel's own SDKs send them: a fractional `time`, a numeric `$group_id`.
 */
const EXCUSED = [LENIENCIES.floatTime, LENIENCIES.numericGroupId];

const CHECKS: Record<Kind, (item: unknown) => unknown> = { track: checkEvent, engage: checkProfileUpdate, groups: checkGroupUpdate };

/** The endpoint an item belongs to: its path, or (under a custom `api_routes`) its shape. */
export function kindOf(endpoint: string, item: unknown): Kind {
  if (endpoint === 'track' || endpoint === 'engage' || endpoint === 'groups') return endpoint;
  const o = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
  return 'properties' in o || 'event' in o ? 'track' : '$group_key' in o || '$group_id' in o ? 'groups' : 'engage';
}

/** Every reason `item` would be refused or is outside Mixpanel's limits; `[]` when it is fine. */
export function payloadProblems(kind: Kind, item: unknown): string[] {
  const problems = specErrors(kind, item, EXCUSED).map((e) => `spec: ${e}`);
  const checked = CHECKS[kind](item);
  if (checked instanceof Refusal) problems.push(`limits: ${checked.message}`);
  return problems;
}
