import { DEVICE_PREFIX } from './person.js';
import { isObject } from './validate.js';

/** The people and devices one request names, for the request log (the consent audit). */
export interface Carried {
  /** `distinct_id`, `$distinct_id`, `$user_id`, `$anon_distinct_id`, in order of appearance, once each. */
  distinctIds: string[];
  /** `$device_id`, and the id inside any `$device:<id>` distinct_id. */
  deviceIds: string[];
}

const PERSON_KEYS = ['distinct_id', '$distinct_id', '$user_id', '$anon_distinct_id'] as const;

/**
 * Every item as it arrived, valid or not: what left a device is the question, not what was
 * stored. `/track` items name people in `properties`; `/engage` and `/groups` at the top level.
 */
export function carriedIds(items: readonly unknown[]): Carried {
  const people = new Set<string>();
  const devices = new Set<string>();
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);
  for (const item of items) {
    if (!isObject(item)) continue;
    const fields = isObject(item.properties) ? item.properties : item;
    for (const key of PERSON_KEYS) {
      const id = text(fields[key]);
      if (id === undefined) continue;
      people.add(id);
      if (id.startsWith(DEVICE_PREFIX) && id.length > DEVICE_PREFIX.length) devices.add(id.slice(DEVICE_PREFIX.length));
    }
    const device = text(fields.$device_id);
    if (device !== undefined) devices.add(device);
  }
  return { distinctIds: [...people], deviceIds: [...devices] };
}
