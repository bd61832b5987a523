import fs from 'node:fs';

/**
 * `fdatasync` of a SQLite WAL file on libuv's thread pool, for a connection in WAL mode with
 * `synchronous = NORMAL`: SQLite then syncs only at checkpoints (so the file stays consistent),
 * and this call makes each commit durable before the spool answers. The bytes on disk are those of
 * `synchronous = FULL`, but the wait no longer stalls the event loop inside the commit: while one
 * sync runs, the relay goes on parsing requests, commits the next group and serves the sender.
 *
 * One sync runs at a time; a call made while one runs gets the next, which starts after it and
 * so covers every commit made before the call.
 */
export interface WalSync {
  (): Promise<void>;
  close(): void;
}

export function walSync(database: string): WalSync {
  // The WAL exists once a connection in WAL mode has read the schema, and is never replaced
  // while it stays open (checkpoints rewind it; only the TRUNCATE checkpoint at close shrinks it).
  const fd = fs.openSync(`${database}-wal`, 'r+');
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const once = (): Promise<void> =>
    (running = new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()))).finally(() => {
      running = undefined;
    }));
  const sync = () => {
    if (!running) return once();
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return once();
      });
    return queued;
  };
  return Object.assign(sync, { close: () => fs.closeSync(fd) });
}
