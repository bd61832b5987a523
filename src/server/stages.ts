import type { Config, Properties } from '../types';
import type { Identity } from '../identity';
import type { Outbox } from '../outbox';
import type { InternalOptions, ServerStages } from '../pipeline';
import { createSuppression, memorySuppressions, type SuppressionStore } from './suppression';
import { serverEvent } from './event';

/** What `forRequest` passes to `track`: the person behind the request, not the process's identity. */
export type RequestOptions = InternalOptions & { person?: Properties };

/**
 * What the Node entry adds to each instance's wiring (`Platform.server`): the suppression list
 * before the outbox, and events on behalf of other people.
 */
export function serverStages(config: Config, identity: Identity, warn: (m: string) => void) {
  const suppression = createSuppression((config as { suppression_store?: SuppressionStore }).suppression_store || memorySuppressions(), warn);
  const stages: ServerStages = {
    build(base, event, props, o, options) {
      const person = (options as RequestOptions | undefined)?.person;
      if (!person) o.duration = identity.duration(event);
      return serverEvent(base, event, props, o, person);
    },
    refuse(endpoint, item, callback) {
      if (!suppression.blocks(endpoint, item)) return false;
      warn(`${endpoint} item for a suppressed person dropped`);
      if (typeof callback === 'function') callback(0);
      return true;
    },
  };
  return {
    ...suppression,
    ...stages,
    /** Nothing leaves before the list is read; then what was queued meanwhile is checked again. */
    attach: (outbox: Outbox) =>
      void suppression.ready.then(() => (outbox.drop((e, item) => suppression.blocks(e, item), 'the person is suppressed'), outbox.resume())),
  };
}

export type Server = ReturnType<typeof serverStages>;
