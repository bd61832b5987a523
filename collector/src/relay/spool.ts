import { batchBuilder, type Batch } from './batch.js';
import { groupCommit } from './group-commit.js';
import { ENDPOINTS, type Endpoint } from './options.js';
import { openStore, type AppendInput, type AppendResult, type Rejection, type SpoolRow, type StoreOptions, type Waiting } from './spool-store.js';

export type { Rejection, SpoolRow, Waiting } from './spool-store.js';

/**
 * The relay's durable spool (spool-store.ts) as the HTTP thread uses it: appends through group
 * commit, answered once on disk; batches read and forwarded rows removed in steps of
 * {@link STEP} rows, with the event loop free between steps, so no request waits behind a
 * 2000-item batch. The fsyncs run on libuv's thread pool (wal-sync.ts).
 *
 * Measured against a variant running the store in a worker thread: that one kept SQLite off this
 * thread entirely, but its copies and message passing cost a fifth more CPU per event, and on a
 * busy two-core machine its handoffs waited for the other thread to be scheduled.
 */
export interface Spool {
  /** Commit rows (group commit); resolves once they are on disk. */
  append(endpoint: Endpoint, rows: SpoolRow[]): Promise<AppendResult>;
  /** The next upstream request's worth of an endpoint's oldest items, or undefined when none wait. */
  next(endpoint: Endpoint, items: number, bytes: number): Promise<Batch | undefined>;
  /** The endpoint's items up to `lastId` were forwarded; `rejected.items` of them are kept in `rejected`. */
  settle(endpoint: Endpoint, lastId: number, rejected?: Rejection): Promise<void>;
  /** Delete every waiting (and rejected) item of these people; resolves with how many waited. */
  purge(token: string, distinctIds: readonly string[]): Promise<number>;
  waiting(): Record<Endpoint, Waiting>;
  /** Checkpoint and close the file (after the pruning step under way). */
  close(): Promise<void>;
}

/** Rows read or removed per step. */
const STEP = 250;
const turn = () => new Promise((resolve) => setImmediate(resolve));

export function openSpool(file: string, options: StoreOptions): Spool {
  const store = openStore(file, options);
  const append = groupCommit<AppendInput, AppendResult>((inputs) => store.appendAll(inputs), () => store.sync());
  let pruning: Promise<void> | undefined;
  let closing = false;
  /** Forwarded rows leave the table in steps, after their settle answered (until the spool closes). */
  const prune = () => {
    pruning ??= (async () => {
      for (const endpoint of ENDPOINTS) {
        while (!closing && store.prune(endpoint, STEP) > 0) await turn();
      }
      pruning = undefined;
    })();
  };
  prune(); // what an earlier run forwarded but had not removed yet

  return {
    append: (endpoint, rows) => append({ endpoint, rows }),
    async next(endpoint, items, bytes) {
      const builder = batchBuilder(items, bytes);
      let after = 0;
      for (;;) {
        const rows = store.peek(endpoint, after, Math.min(STEP, builder.room()));
        if (rows.length === 0 || !builder.add(rows) || builder.room() === 0) break;
        after = rows.at(-1)!.id;
        await turn();
      }
      return builder.batch();
    },
    async settle(endpoint, lastId, rejected) {
      store.settle(endpoint, lastId, rejected);
      await store.sync();
      prune();
    },
    async purge(token, distinctIds) {
      const removed = await store.purge(token, distinctIds);
      await store.sync();
      return removed;
    },
    waiting: () => store.waiting(),
    async close() {
      closing = true;
      // A commit already scheduled (setImmediate) runs first, then the pruning step under way.
      await turn();
      await pruning;
      store.close();
    },
  };
}
