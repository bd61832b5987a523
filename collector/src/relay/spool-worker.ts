import { parentPort, workerData } from 'node:worker_threads';
import { batchBuilder, type Batch } from './batch.js';
import { groupCommit } from './group-commit.js';
import { ENDPOINTS, type Endpoint } from './options.js';
import { unpackRows, type Call, type Reply, type WorkerData } from './spool-protocol.js';
import { openStore, type AppendInput, type AppendResult } from './spool-store.js';

/**
 * The spool's thread: owns the SQLite connection and answers spool.ts's calls in order. Appends go
 * through group commit; every write is on disk before its answer is posted.
 */
const { file, options } = workerData as WorkerData;
const port = parentPort!;
let store: ReturnType<typeof openStore>;
try {
  store = openStore(file, options);
} catch (error) {
  port.postMessage({ id: 0, error: error instanceof Error ? error.message : String(error) } satisfies Reply);
  process.exit(1);
}
const append = groupCommit<AppendInput, AppendResult>((inputs) => store.appendAll(inputs), () => store.sync());

/** Rows read or removed per step: between steps this thread takes other calls, so a commit never waits long. */
const STEP = 250;
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function next(endpoint: Endpoint, items: number, bytes: number): Promise<Batch | null> {
  const builder = batchBuilder(items, bytes);
  let after = 0;
  for (;;) {
    const rows = store.peek(endpoint, after, Math.min(STEP, builder.room()));
    if (rows.length === 0 || !builder.add(rows) || builder.room() === 0) break;
    after = rows.at(-1)!.id;
    await turn();
  }
  return builder.batch() ?? null;
}

/** Forwarded rows leave the table in steps, after their settle answered (until the spool closes). */
let pruning: Promise<void> | undefined;
let closing = false;
function prune(): void {
  pruning ??= (async () => {
    for (const endpoint of ENDPOINTS) {
      while (!closing && store.prune(endpoint, STEP) > 0) await turn();
    }
    pruning = undefined;
  })();
}

async function run(call: Call): Promise<unknown> {
  switch (call.op) {
    case 'append':
      return append({ endpoint: call.endpoint, rows: unpackRows(call.packed) });
    case 'next':
      return next(call.endpoint, call.items, call.bytes);
    case 'settle':
      store.settle(call.endpoint, call.lastId, call.rejected);
      await store.sync();
      return prune();
    case 'purge': {
      const removed = await store.purge(call.token, call.distinctIds);
      await store.sync();
      return removed;
    }
    case 'waiting':
      return store.waiting();
    case 'close':
      // A commit already scheduled (setImmediate) runs first, then the pruning step under way.
      closing = true;
      await turn();
      await pruning;
      return store.close();
  }
}

port.on('message', (call: Call) => {
  run(call).then(
    (result) => port.postMessage({ id: call.id, result } satisfies Reply),
    (error: unknown) => port.postMessage({ id: call.id, error: error instanceof Error ? error.message : String(error) } satisfies Reply),
  );
});
port.postMessage({ id: 0, result: 'ready' } satisfies Reply);
prune(); // what an earlier run forwarded but had not removed yet
