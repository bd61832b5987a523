import type { Config } from '../types';
import type { Outbox } from '../outbox';
import { createSuppression, memorySuppressions, type SuppressionStore } from './suppression';

/**
 * What the Node entry adds to each instance's wiring (`Platform.server`): the suppression list,
 * checked before anything is queued.
 */
export function serverStages(config: Config, warn: (m: string) => void) {
  const suppression = createSuppression((config as { suppression_store?: SuppressionStore }).suppression_store || memorySuppressions(), warn);
  return {
    ...suppression,
    /** Nothing leaves before the list is read; then what was queued meanwhile is checked again. */
    attach: (outbox: Outbox) =>
      void suppression.ready.then(() => (outbox.drop((e, item) => suppression.blocks(e, item), 'the person is suppressed'), outbox.resume())),
  };
}

export type Server = ReturnType<typeof serverStages>;
