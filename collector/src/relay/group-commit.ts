/**
 * Group commit: every write asked for in one turn of the event loop goes into one transaction,
 * run once the turn's I/O callbacks are done (`setImmediate`), then made durable by `sync`
 * (wal-sync.ts); each caller's promise settles only after the sync that covers its commit. Writes
 * arriving meanwhile go into the next commit, so one fsync carries more requests the higher the load.
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
