import type { AsyncStore } from '../storage/types';
import type { Batch, StoredBatch } from './batch';
import { P } from '../intrinsics';

const noop = () => undefined;
const PER_TASK = 20;

/**
 * What survives a reload: one key per batch, written at most once per task however many events it
 * got. Writes and removals run on one chain, so a clear is ordered after everything queued before
 * it, and an epoch fences off what was queued before a clear but had not started yet.
 */
export function createPersistence(store: AsyncStore<StoredBatch> | undefined, ready?: Promise<unknown>) {
  let epoch = 0;
  let writing: Promise<unknown> = ready ? ready.catch(noop) : P.resolve();
  let dirty = new Set<Batch>();
  let due = false;

  const chain = (op: (s: AsyncStore<StoredBatch>) => Promise<unknown>) => {
    const mine = epoch;
    if (store) writing = writing.then(() => (mine === epoch ? op(store) : undefined)).catch(noop);
  };

  /**
   * Write the changed batches now, taken now, not when the write runs: a batch beaconed or sent
   * meanwhile still lands, and its removal is chained after. A scheduled write takes at most
   * `PER_TASK` batches and leaves the rest to the next task: IndexedDB clones what it is given on
   * the main thread, and 10,000 events at once would be one long task.
   */
  const flush = (limit = Infinity) => {
    due = false;
    if (!dirty.size) return;
    const batches = Array.from(dirty).slice(0, limit);
    for (const b of batches) dirty.delete(b);
    chain((s) => P.all(batches.map((b) => s.set(b.id, { e: b.e, p: b.p }))));
    if (dirty.size) schedule();
  };
  const schedule = () => {
    if (due || !store) return;
    due = true;
    setTimeout(() => flush(PER_TASK), 0);
  };

  return {
    get epoch() {
      return epoch;
    },
    /** `b` changed: it is written on the next task. */
    mark(b: Batch) {
      dirty.add(b);
      schedule();
    },
    /** Write everything changed now (a flush, the page going away). */
    flush: () => flush(),
    remove(b: Batch) {
      dirty.delete(b);
      chain((s) => s.remove(b.id));
    },
    /** Fence off every pending write; with `all`, also remove every batch this store holds, after what already runs. */
    clear(all: boolean): Promise<void> {
      epoch++;
      dirty = new Set();
      if (all && store) writing = writing.then(() => store.keys()).then((ids) => P.all(ids.map((id) => store.remove(id)))).catch(noop);
      return writing.then(noop);
    },
  };
}

export type Persistence = ReturnType<typeof createPersistence>;
