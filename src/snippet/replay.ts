import type { Heed } from '../types';

/** One call the snippet recorded: instance name ('' = default), method, arguments, and for
 * `people` / `consent` / `get_group` the inner method (and for `get_group` its arguments). */
export type QueuedCall = [instance: string, method: string, args: unknown[], inner?: string, innerArgs?: unknown[]];

type Callable = Record<string, ((...args: unknown[]) => unknown) | undefined>;

/** Replays queued calls in their original order; a bad entry is skipped, never thrown. */
export function replay(heed: Heed, queue: QueuedCall[]): void {
  for (const [instance, method, args, inner, innerArgs] of queue.splice(0)) {
    try {
      const target = (instance ? (heed as unknown as Record<string, unknown>)[instance] : heed) as Callable & {
        people: Callable;
        get_group(...key: unknown[]): Callable;
      };
      if (!target) continue;
      if (method === 'people' || method === 'consent') (target[method] as unknown as Callable)[inner!]!(...args);
      else if (method === 'get_group') target.get_group(...args)[inner!]!(...(innerArgs || []));
      else if (method === 'init' && instance === '') heed.init(args[0] as string, args[1] as object, args[2] as string);
      else target[method]!(...args);
    } catch (e) {
      if (heed.get_config && heed.get_config('debug')) console.warn('[heed] replay of a queued call failed', e);
    }
  }
}
