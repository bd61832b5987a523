import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const SPEC = join(__dirname, '..', 'fixtures', 'mixpanel-specs', 'ingestion.openapi.yaml');

/** Which operation of the spec documents an item, chosen by the update key it carries. */
const OPERATIONS: Record<string, Record<string, string>> = {
  track: { event: '/track' },
  engage: {
    $set: '/engage#profile-set',
    $set_once: '/engage#profile-set-once',
    $add: '/engage#profile-numerical-add',
    $union: '/engage#profile-union',
    $append: '/engage#profile-list-append',
    $remove: '/engage#profile-list-remove',
    $unset: '/engage#profile-unset',
    $delete: '/engage#profile-delete',
  },
  groups: {
    $set: '/groups#group-set',
    $set_once: '/groups#group-set-once',
    $union: '/groups#group-union',
    $remove: '/groups#group-remove-from-list',
    $unset: '/groups#group-unset',
    $delete: '/groups#group-delete',
  },
};

/** The upstream mistakes listed in test/fixtures/mixpanel-specs/README.md, fixed in memory. */
function patchUpstream(paths: any): void {
  const required = (op: string) => paths[op].post.requestBody.content['application/json'].schema.items.required as string[];
  const union = required('/groups#group-union');
  union[union.indexOf('$unset')] = '$union';
  const del = required('/groups#group-delete');
  del[del.indexOf('$set')] = '$delete';
}

/**
 * Validates what heed sent against Mixpanel's ingestion OpenAPI document: each item against the
 * request body schema of the operation its update key names. Returns readable errors, `[]` if valid.
 */
export function ingestionValidator(): (endpoint: string, items: any[]) => string[] {
  const doc = parse(readFileSync(SPEC, 'utf8'));
  patchUpstream(doc.paths);
  const ajv = new Ajv({ strict: false, allErrors: true });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (op: string) => {
    let v = compiled.get(op);
    if (!v) {
      v = ajv.compile(doc.paths[op].post.requestBody.content['application/json'].schema);
      compiled.set(op, v);
    }
    return v;
  };
  return (endpoint, items) => {
    const errors: string[] = [];
    items.forEach((item, i) => {
      const key = Object.keys(OPERATIONS[endpoint] || {}).find((k) => item && k in item);
      if (!key) return void errors.push(`${endpoint}[${i}]: no operation of the spec matches ${JSON.stringify(item)}`);
      const op = OPERATIONS[endpoint][key];
      const validate = validator(op);
      if (!validate([item])) errors.push(`${op} item ${i}: ${ajv.errorsText(validate.errors)}`);
    });
    return errors;
  };
}
