import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { reportOnce, withFallback } from './fallback';
import { unprefixed } from './prefix';
import type { Store, StoreFailure } from './types';

type Entries = Record<string, unknown>;

/**
 * A namespace in a JSON object kept in one file, for Node. Several stores with different prefixes
 * may share a path (consent and profile in one `heed.json`).
 *
 * Every operation reads the file and every change rewrites it, synchronously. Caching the object
 * would be faster but wrong as soon as two stores, or two processes, share the file: each would
 * write back its own stale copy. The file holds a few short strings, so a read is cheap.
 *
 * - Nothing touches the disk before the first operation; the parent directory is created on the
 *   first write.
 * - Writes go to a temporary file that is then renamed over the target, so a crash mid-write
 *   leaves the old file, never half a file. The file is created with mode 0600: it can hold a
 *   person's identifiers.
 * - A missing file is empty. Removing the last key deletes the file.
 * - A file that is not a JSON object is reported once through `onFailure` (kind `'file'`), read
 *   as empty and replaced on the next write; the store keeps using the file.
 * - Any other error (permissions, a directory in the way, a full disk) moves the store to memory
 *   and reports once (see fallback.ts).
 *
 * @example
 * const consent = fileStore(join(homedir(), '.config', 'my-cli', 'heed.json'), `consent_${token}_`);
 */
export function fileStore(path: string, prefix: string, onFailure?: StoreFailure): Store {
  const reportCorrupt = reportOnce('file', onFailure);
  let directoryReady = false;

  const read = (): Entries => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    let entries: unknown;
    let cause: unknown;
    try {
      entries = JSON.parse(text);
    } catch (error) {
      cause = error;
    }
    if (entries !== null && typeof entries === 'object' && !Array.isArray(entries)) return entries as Entries;
    reportCorrupt(new Error(`heed: ${path} does not hold a JSON object; treating it as empty`, { cause }));
    return {};
  };

  const write = (entries: Entries) => {
    if (Object.keys(entries).length === 0) {
      rmSync(path, { force: true });
      return;
    }
    if (!directoryReady) {
      mkdirSync(dirname(path), { recursive: true });
      directoryReady = true;
    }
    // One temporary name per process: writes within a process are synchronous, so they never overlap.
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(entries, null, 2) + '\n', { mode: 0o600 });
    renameSync(temporary, path);
  };

  return withFallback(
    'file',
    {
      get: (key) => {
        const entries = read();
        const value = Object.hasOwn(entries, prefix + key) ? entries[prefix + key] : undefined;
        return typeof value === 'string' ? value : undefined;
      },
      set: (key, value) => {
        const entries = read();
        entries[prefix + key] = value;
        write(entries);
      },
      remove: (key) => {
        const entries = read();
        if (!Object.hasOwn(entries, prefix + key)) return;
        delete entries[prefix + key];
        write(entries);
      },
      keys: () => unprefixed(Object.keys(read()), prefix),
    },
    onFailure,
  );
}
