import type { Properties } from '../types';
import { HeedError } from '../errors';
import { P } from '../intrinsics';
import { retryDelay, type Backoff } from '../transport/retry';

/**
 * Reading the list again after a failure: 1 s doubling up to 30 s, for as long as it takes. No
 * jitter: a fleet of servers re-reading one list at once is cheap, and everything waits on it.
 */
const LIST_RETRY: Backoff = { base: 1000, cap: 30000, jitter: false };

/**
 * Where a suppression list is shared: memory (one process), a file (one machine), Redis (many).
 * `open` reads the whole list and then reports each change made elsewhere, so a check never
 * waits for the network.
 */
export interface SuppressionStore {
  open(changed: (added: readonly string[], removed: readonly string[]) => void): Promise<readonly string[]>;
  add(ids: readonly string[]): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  list(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** The ids a server-side item is for: every id of the person it names, or that it links. */
export function idsOf(endpoint: string, item: object): string[] {
  if (endpoint === 'groups') return []; // a group profile is nobody's
  const p = (endpoint === 'track' ? (item as { properties?: Properties }).properties : item) as Properties | undefined;
  if (!p) return [];
  const ids: string[] = [];
  for (const key of ['distinct_id', '$distinct_id', '$user_id', '$anon_distinct_id', 'alias', '$identified_id', '$anon_id']) {
    const v = p[key];
    if (typeof v === 'string' && v) ids.push(v);
  }
  if (typeof p.$device_id === 'string' && p.$device_id) ids.push(p.$device_id, '$device:' + p.$device_id);
  return ids;
}

/** How many ids the merges remember; past it the oldest groups are forgotten, so memory stays bounded. */
const MAX_MERGED = 100_000;

/** Which ids are one person, as far as this process has seen: each id points at its group. */
export function createMerges(max = MAX_MERGED) {
  const groups = new Map<string, Set<string>>();
  const forgetOldest = () => {
    for (const [, group] of groups) {
      for (const m of group) groups.delete(m);
      if (groups.size <= max) return;
    }
  };
  return {
    union(ids: readonly string[]) {
      // The biggest group the ids are in takes in the others, and the ids new to it.
      let group: Set<string> | undefined;
      for (const id of ids) {
        const g = groups.get(id);
        if (g && (!group || g.size > group.size)) group = g;
      }
      const into = group || new Set<string>();
      for (const id of ids) {
        const g = groups.get(id);
        if (g !== into) for (const m of g || [id]) into.add(m), groups.set(m, into);
      }
      if (groups.size > max) forgetOldest();
    },
    /** Every id known to be the same person as `id` (at least `id`). */
    of: (id: string): Iterable<string> => groups.get(id) || [id],
  };
}

/**
 * The suppression list of one process, kept in step with its store: a check is a Set lookup. It
 * also learns which ids are one person from what it sees (`$identify`, `$create_alias`, an event
 * with both a user and a device id), so a suppression covers every id known to be the same person.
 */
export function createSuppression(store: SuppressionStore, warn: (m: string) => void) {
  const suppressed = new Set<string>();
  const merges = createMerges();
  const person = (id: string): string[] => [...merges.of(id)];
  const blocked = (id: string): boolean => {
    if (suppressed.has(id)) return true;
    for (const m of merges.of(id)) if (suppressed.has(m)) return true;
    return false;
  };

  let loaded = false;
  let failure: unknown;
  let opened: () => void;
  const ready = new P<void>((resolve) => (opened = resolve));
  const changed = (added: readonly string[], removed: readonly string[]) => {
    added.forEach((id) => suppressed.add(id));
    removed.forEach((id) => suppressed.delete(id));
  };
  // Fail closed: while the list cannot be read nothing is sent (it is queued), since anyone may be on it.
  const open = (attempt: number): void =>
    void store.open(changed).then(
      (ids) => {
        changed(ids, []);
        loaded = true;
        failure = undefined;
        opened();
      },
      (error: unknown) => {
        if (!attempt) warn('suppression list unavailable, nothing is sent until it is read: ' + String(error));
        failure = error;
        const timer = setTimeout(() => open(attempt + 1), retryDelay(error, attempt, LIST_RETRY));
        (timer as { unref?: () => void }).unref?.();
      },
    );
  open(0);

  return {
    /** Resolves once the list is read: until then nothing may be sent. */
    ready,
    loaded: () => loaded,
    /** For `flush()`: resolves when the list is read, rejects at once while it cannot be. */
    whenLoaded: (): Promise<void> =>
      loaded ? P.resolve() : failure !== undefined ? P.reject(new HeedError('suppression list unavailable, queued items are held: ' + String(failure))) : ready,
    /** Learn the ids `item` links, then say whether it is for a suppressed person. */
    blocks(endpoint: string, item: object): boolean {
      const ids = idsOf(endpoint, item);
      if (ids.length > 1) merges.union(ids);
      return suppressed.size > 0 && ids.some(blocked);
    },
    has: blocked,
    /** Suppress `id` and every id known to be the same person, here at once and in the store. */
    async suppress(id: string) {
      const all = person(id);
      all.forEach((m) => suppressed.add(m));
      await store.add(all);
    },
    async unsuppress(id: string) {
      const all = person(id).filter((m) => suppressed.has(m));
      all.forEach((m) => suppressed.delete(m));
      await store.remove(all);
    },
    list: () => store.list(),
    close: () => store.close(),
  };
}

export type Suppression = ReturnType<typeof createSuppression>;

/** A list in this process only (the default). */
export function memorySuppressions(): SuppressionStore {
  const ids = new Set<string>();
  return {
    open: async () => [...ids],
    add: async (more) => void more.forEach((id) => ids.add(id)),
    remove: async (less) => void less.forEach((id) => ids.delete(id)),
    list: async () => [...ids],
    close: async () => undefined,
  };
}
