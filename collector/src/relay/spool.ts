import { Worker } from 'node:worker_threads';
import type { Batch } from './batch.js';
import type { Endpoint } from './options.js';
import { packRows, type Call, type Reply, type WorkerData } from './spool-protocol.js';
import type { AppendResult, Rejection, SpoolRow, StoreOptions, Waiting } from './spool-store.js';

export type { Rejection, SpoolRow, Waiting } from './spool-store.js';

/**
 * The relay's durable spool (spool-store.ts), run in a worker thread (spool-worker.ts): SQLite's
 * commits, fsyncs and checkpoints take tens of milliseconds under load, and on the HTTP thread
 * each of them would be added to every request waiting behind it. Here they cost that thread
 * nothing; it only posts rows and waits for the commit that holds them.
 */
export interface Spool {
  /** Commit rows (group commit); resolves once they are on disk. */
  append(endpoint: Endpoint, rows: SpoolRow[]): Promise<AppendResult>;
  /** The next upstream request's worth of an endpoint's oldest items, or undefined when none wait. */
  next(endpoint: Endpoint, items: number, bytes: number): Promise<Batch | undefined>;
  /** Remove the endpoint's items up to `lastId` (forwarded); `rejected.items` of them are kept in `rejected`. */
  settle(endpoint: Endpoint, lastId: number, rejected?: Rejection): Promise<void>;
  /** Delete every waiting (and rejected) item of these people; resolves with how many waited. */
  purge(token: string, distinctIds: readonly string[]): Promise<number>;
  waiting(): Promise<Record<Endpoint, Waiting>>;
  /** Checkpoint and close the file, and end the thread. */
  close(): Promise<void>;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

export async function openSpool(file: string, options: StoreOptions): Promise<Spool> {
  const worker = new Worker(new URL('./spool-worker.js', import.meta.url), { workerData: { file, options } satisfies WorkerData });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error === undefined) p?.resolve(reply.result);
    else p?.reject(new Error(reply.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the spool thread exited (code ${code})`)));
  const call = <T>(message: Distribute<Call>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    });

  await new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  return {
    append: (endpoint, rows) => call({ op: 'append', endpoint, packed: packRows(rows) }),
    next: async (endpoint, items, bytes) => (await call<Batch | null>({ op: 'next', endpoint, items, bytes })) ?? undefined,
    settle: (endpoint, lastId, rejected) => call({ op: 'settle', endpoint, lastId, rejected }),
    purge: (token, distinctIds) => call({ op: 'purge', token, distinctIds }),
    waiting: () => call({ op: 'waiting' }),
    async close() {
      await call({ op: 'close' });
      await worker.terminate();
    },
  };
}
