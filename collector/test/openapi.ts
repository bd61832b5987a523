import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import YAML from 'yaml';

/**
 * Validators for /track, /engage and /groups items built from Mixpanel's vendored ingestion
 * spec, with the upstream bugs the fixture README lists patched here, in memory.
 */
const SPEC_FILE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'mixpanel-specs', 'ingestion.openapi.yaml');

export type Kind = 'track' | 'engage' | 'groups';

const ENGAGE_SCHEMAS: Record<string, string> = {
  $set: '/engage#profile-set',
  $set_once: '/engage#profile-set-once',
  $add: '/engage#profile-numerical-add',
  $union: '/engage#profile-union',
  $append: '/engage#profile-list-append',
  $remove: '/engage#profile-list-remove',
  $unset: '/engage#profile-unset',
  $delete: '/engage#profile-delete',
};
/** No `$add` / `$append` here: the spec documents neither for groups (collector leniency). */
const GROUP_SCHEMAS: Record<string, string> = {
  $set: '/groups#group-set',
  $set_once: '/groups#group-set-once',
  $unset: '/groups#group-unset',
  $remove: '/groups#group-remove-from-list',
  $union: '/groups#group-union',
  $delete: '/groups#group-delete',
};

export const spec: any = YAML.parse(fs.readFileSync(SPEC_FILE, 'utf8'));

export function bodySchema(specPath: string): any {
  return spec.paths[specPath].post.requestBody.content['application/json'].schema;
}

function patchUpstreamBugs(): void {
  const fix = (specPath: string, wrong: string, right: string) => {
    const items = bodySchema(specPath).items;
    // Fail loudly once upstream fixes it, so this patch gets removed rather than hiding a change.
    if (!items.required.includes(wrong)) throw new Error(`${specPath}: expected the upstream bug (required ${wrong})`);
    items.required = items.required.map((key: string) => (key === wrong ? right : key));
  };
  fix('/groups#group-union', '$unset', '$union');
  fix('/groups#group-delete', '$set', '$delete');
}
patchUpstreamBugs();

const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map<string, ValidateFunction>();
function validator(specPath: string): ValidateFunction {
  let fn = compiled.get(specPath);
  if (!fn) {
    fn = ajv.compile(bodySchema(specPath).items);
    compiled.set(specPath, fn);
  }
  return fn;
}

/** The spec operation schema an item is checked against, or undefined when none applies. */
export function schemaPathFor(kind: Kind, item: any): string | undefined {
  if (kind === 'track') return '/track';
  const table = kind === 'engage' ? ENGAGE_SCHEMAS : GROUP_SCHEMAS;
  const ops = Object.keys(table).filter((op) => item && typeof item === 'object' && Object.prototype.hasOwnProperty.call(item, op));
  return ops.length === 1 ? table[ops[0]!] : undefined;
}

export function specValidate(kind: Kind, item: unknown): ErrorObject[] | 'no schema' {
  const schema = schemaPathFor(kind, item);
  if (!schema) return 'no schema';
  const fn = validator(schema);
  return fn(item) ? [] : [...(fn.errors ?? [])];
}

/** An ajv error the collector deliberately lets through, because a Mixpanel SDK sends it. */
export interface Leniency {
  path: RegExp;
  keywords: string[];
  value: (v: unknown) => boolean;
  why: string;
}

/** Where the collector deliberately accepts more than the spec (see collector/src/validate.ts). */
export const LENIENCIES = {
  floatTime: { path: /^\/properties\/time$/, keywords: ['type'], value: isNumber, why: 'float seconds (mixpanel-js, mixpanel-python)' },
  numericDistinctId: { path: /^\/properties\/distinct_id$/, keywords: ['type'], value: isNumber, why: 'numeric distinct_id (mixpanel-js)' },
  numericProfileId: { path: /^\/\$distinct_id$/, keywords: ['type'], value: isNumber, why: 'numeric $distinct_id (mixpanel-js)' },
  numericGroupId: { path: /^\/\$group_id$/, keywords: ['type'], value: isNumber, why: 'numeric group id (mixpanel-js set_group)' },
} satisfies Record<string, Leniency>;

/** Spec errors for an item the collector accepted, minus the documented leniencies. */
export function unexcusedSpecErrors(kind: Kind, item: any): string[] {
  const op = kind === 'groups' && item && (Object.hasOwn(item, '$add') || Object.hasOwn(item, '$append'));
  if (op) return []; // group $add/$append: no spec schema exists; a collector leniency
  return specErrors(kind, item, Object.values(LENIENCIES));
}

/** Spec errors for an item, as text, minus those `excused`. */
export function specErrors(kind: Kind, item: unknown, excused: readonly Leniency[]): string[] {
  const errors = specValidate(kind, item);
  if (errors === 'no schema') return ['no spec operation schema matches this item'];
  return errors
    .filter((e) => !excused.some((l) => l.path.test(e.instancePath) && l.keywords.includes(e.keyword) && l.value(at(item, e.instancePath))))
    .map((e) => `${e.instancePath || '/'} ${e.message}`);
}

function at(item: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((value, key) => (value == null ? undefined : value[key]), item);
}

function isNumber(value: unknown): boolean {
  return typeof value === 'number';
}

/**
 * Collector rules stricter than the spec (the collector's issue, and the ingestion docs' limits,
 * disallowed ids and time range): a spec-valid item may be refused only with one of these messages.
 */
export const STRICTER_RULES: RegExp[] = [
  /^properties\.token must be a string/,
  /^event must be a non-empty string/,
  /^properties\.\$insert_id (must be|".*" is a disallowed value)/,
  /^\$distinct_id must be a non-empty string/,
  /^\$group_key must be a non-empty string/,
  /^\$group_id must be a non-empty string/,
  /^exactly one operation per update object/,
  /^(properties\.distinct_id|\$distinct_id) .* is a disallowed distinct_id$/,
  /^properties\.time .* is (before 1971|more than an hour in the future)$/,
  / (is longer than 255 characters|holds a lone surrogate \(not Unicode text\)|nests lists or objects more than 3 deep|is a list of \d+ items \(the limit is 254\)|has \d+ (properties|keys) \(the limit is 254\))$/,
  / has a property name that /,
];
