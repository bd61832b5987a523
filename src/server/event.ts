import type { Properties } from '../types';
import { eventProperties, finishEvent, type EventOptions, type MixpanelEvent } from '../event';
import { bag } from '../properties';

const hasOwn = (o: unknown, key: string) => {
  try {
    return !!o && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, key);
  } catch {
    return false;
  }
};

/** `base` as `person`'s (a server-side event for a request): their distinct_id and device id, none of the process's. */
function personBase(base: Properties, person: Properties): Properties {
  const b = bag();
  for (const key in base) b[key] = base[key];
  delete b.$user_id;
  delete b.$device_id;
  for (const key in person) b[key] = person[key];
  return b;
}

/**
 * One server-side event: `person`'s when given (`forRequest`). Without one, an event whose caller
 * names another distinct_id is that person's, and carries none of the process's own ids (Mixpanel
 * would merge every person sharing one `$device_id`): only the device id the caller gave.
 */
export function serverEvent(base: Properties, event: string, props: unknown, o: EventOptions, person?: Properties): MixpanelEvent {
  if (person) return finishEvent(eventProperties(personBase(base, person), props, o), person, event, o);
  const p = eventProperties(base, props, o);
  if (p.distinct_id === base.distinct_id) return finishEvent(p, base, event, o);
  if (p.$user_id === base.$user_id) delete p.$user_id;
  if (!hasOwn(props, '$device_id')) delete p.$device_id;
  // The process's ids stay the fallback for unusable ones; the device id is the caller's, or none.
  return finishEvent(p, { distinct_id: base.distinct_id, $user_id: base.$user_id, $device_id: p.$device_id }, event, o);
}
