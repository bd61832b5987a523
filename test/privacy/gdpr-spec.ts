import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';

/**
 * Validators from Mixpanel's vendored GDPR OpenAPI document (test/fixtures/mixpanel-specs), used
 * as is: no upstream error of this file needed patching. Note `additionalProperties: false` on
 * JobCreated, both status responses and DeletionJobResult: extra fields fail.
 */
const SPEC = join(__dirname, '..', 'fixtures', 'mixpanel-specs', 'gdpr.openapi.yaml');
const doc = parse(readFileSync(SPEC, 'utf8')) as { paths: Record<string, unknown> };
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(doc, 'gdpr');

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function check(ref: string): (value: unknown) => string[] {
  const validate = ajv.getSchema(`gdpr#/${ref}`);
  if (!validate) throw new Error(`no schema at ${ref}`);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`));
}

/** Errors of a response body against the spec's schema for `method path` answering `status`. */
export function responseErrors(method: 'get' | 'post' | 'delete', path: string, status: number, body: unknown): string[] {
  return check(pointer('paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema'))(body);
}

/** Errors of a request body against the spec's `requestBody` schema of `POST path`. */
export function requestErrors(path: string, body: unknown): string[] {
  return check(pointer('paths', path, 'post', 'requestBody', 'content', 'application/json', 'schema'))(body);
}

/** The statuses the spec's job status enum lists. */
export const SPEC_STATUSES = (
  (doc as unknown as { components: { schemas: { DeletionJobResult: { properties: { status: { enum: string[] } } } } } }).components.schemas
    .DeletionJobResult.properties.status.enum
);
