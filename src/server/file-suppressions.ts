import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SuppressionStore } from './suppression';

export interface FileSuppressionOptions {
  /**
   * How often (ms) the file is checked for changes other processes made.
   * @default 250
   */
  interval?: number;
}

const read = (path: string): string[] => {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(v) ? v.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return []; // missing, or not a list: an empty list (the next write replaces it)
  }
};

const version = (path: string): string => {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'none';
  }
};

/**
 * A suppression list in a JSON file, shared by the processes of one machine: each change rewrites
 * it (a temporary file renamed over it, mode 0600: it holds people's ids), and each process
 * watches it, so a suppression anywhere counts everywhere within `interval` (250 ms).
 * @example init(token, { suppression_store: fileSuppressions('/var/lib/app/suppressed.json') })
 */
export function fileSuppressions(path: string, options: FileSuppressionOptions = {}): SuppressionStore {
  let known = new Set<string>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const write = (ids: Set<string>) => {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([...ids]), { mode: 0o600 });
    renameSync(tmp, path);
  };
  const change = (f: (ids: Set<string>) => void) => {
    const ids = new Set(read(path));
    f(ids);
    write(ids);
    known = ids;
  };
  return {
    async open(changed) {
      known = new Set(read(path));
      let seen = '';
      // Polled by content version (inode, size, mtime), and diffed with what this process knows,
      // so a change made between the first read and the first poll is not missed.
      timer = setInterval(() => {
        const now = version(path);
        if (now === seen) return;
        seen = now;
        const ids = new Set(read(path));
        const added = [...ids].filter((id) => !known.has(id));
        const removed = [...known].filter((id) => !ids.has(id));
        known = ids;
        if (added.length || removed.length) changed(added, removed);
      }, options.interval ?? 250);
      timer.unref();
      return [...known];
    },
    add: async (ids) => change((all) => ids.forEach((id) => all.add(id))),
    remove: async (ids) => change((all) => ids.forEach((id) => all.delete(id))),
    list: async () => read(path),
    close: async () => clearInterval(timer),
  };
}
