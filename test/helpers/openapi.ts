import { specValidate, type Kind } from '../../collector/test/openapi';

/**
 * Validates what heed sent against Mixpanel's ingestion OpenAPI document (the collector tests'
 * loader: the same spec, with the same upstream bugs patched): each item against the schema of the
 * operation its update key names. Returns readable errors, `[]` if valid.
 */
export function ingestionValidator(): (endpoint: string, items: unknown[]) => string[] {
  return (endpoint, items) => {
    const errors: string[] = [];
    items.forEach((item, i) => {
      const result = specValidate(endpoint as Kind, item);
      if (result === 'no schema') errors.push(`${endpoint}[${i}]: no operation of the spec matches ${JSON.stringify(item)}`);
      else if (result.length) errors.push(`${endpoint} item ${i}: ${result.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
    });
    return errors;
  };
}
