/**
 * Group commit: every write requested in one turn of the event loop goes into one transaction,
 * run once the turn's I/O callbacks are done (`setImmediate`), then made durable by `sync` (an
 * fdatasync on libuv's thread pool, so the event loop goes on parsing requests meanwhile). Each
 * caller's promise settles only after the sync that covers its commit: durable write before reply.
 * Requests arriving during a sync go into the next commit, so batches grow with load.
 */
export function groupCommit<I, O>(commit: (inputs: I[]) => O[], sync: () => Promise<void>): (input: I) => Promise<O> {
  let pending: Array<{ input: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    let outputs: O[];
    try {
      outputs = commit(batch.map((p) => p.input));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    sync().then(
      () => batch.forEach((p, i) => p.resolve(outputs[i]!)),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  };
  return (input) =>
    new Promise<O>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ input, resolve, reject });
    });
}
