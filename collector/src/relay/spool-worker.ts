import { parentPort, workerData } from 'node:worker_threads';
import { cutBatch } from './batch.js';
import { groupCommit } from './group-commit.js';
import type { Call, Reply, WorkerData } from './spool.js';
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

async function run(call: Call): Promise<unknown> {
  switch (call.op) {
    case 'append':
      return append({ endpoint: call.endpoint, rows: call.rows });
    case 'next':
      return cutBatch(store.peek(call.endpoint, call.items), call.bytes) ?? null;
    case 'settle':
      store.settle(call.endpoint, call.lastId, call.rejected);
      return store.sync();
    case 'purge': {
      const removed = await store.purge(call.token, call.distinctIds);
      await store.sync();
      return removed;
    }
    case 'waiting':
      return store.waiting();
    case 'close':
      // A commit already scheduled (setImmediate) runs first.
      await new Promise((resolve) => setImmediate(resolve));
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
