import { startCollector, type Collector } from '../../collector/src/index';
import type { StoredBatch } from '../../src/outbox';
import type { AsyncStore } from '../../src/storage/types';

/**
 * The outbox tests run against the real collector (SQLite in memory) with its test-only fault mode
 * (collector/src/faults.ts): what arrived is counted there, per `$insert_id`.
 */
export interface Bench {
  collector: Collector;
  url: string;
  fault(fault: { mode: '500' | '429' | '413' | 'hang' | 'reset'; count?: number; retryAfter?: number; maxBytes?: number }): Promise<void>;
  /** Rows stored for `event`, sorted by their `i`; the collector keeps one row per `$insert_id`. */
  rows(event?: string): Array<{ insert_id: string; i: number }>;
  /** Ingestion requests in arrival order (faulted ones included). */
  requests(): Array<{ at: number; path: string; status: number; items: number; bytes: number; error: string | null }>;
  /** Resolves once `check()` holds; rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startBench(): Promise<Bench> {
  const collector = await startCollector();
  const until = async (check: () => boolean, timeoutMs = 5000) => {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out waiting for the collector');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    collector,
    url: collector.url,
    async fault(fault) {
      const res = await fetch(`${collector.url}/api/faults`, { method: 'POST', body: JSON.stringify(fault) });
      if (res.status !== 200) throw new Error(`fault refused: ${await res.text()}`);
    },
    rows: (event = 'e') =>
      (
        collector.db
          .prepare("SELECT insert_id, json_extract(properties, '$.i') AS i FROM events WHERE event = ? ORDER BY i")
          .all(event) as Array<{ insert_id: string; i: number }>
      ),
    requests: () =>
      collector.db
        .prepare("SELECT at, path, status, items, bytes, error FROM requests WHERE method != 'OPTIONS' ORDER BY id")
        .all() as ReturnType<Bench['requests']>,
    until,
    async close() {
      await fetch(`${collector.url}/api/faults`, { method: 'DELETE' }); // ends hanging requests
      await collector.close();
    },
  };
}

/** A /track payload as the tracker builds it (the collector validates token and `$insert_id`). */
export const ev = (i: number, extra: Record<string, unknown> = {}) => ({
  event: 'e',
  properties: { token: 'tok', distinct_id: 'u', time: 1_700_000_000_000 + i, $insert_id: `ins-${i}`, i, ...extra },
});

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/**
 * An AsyncStore over a shared Map that copies values as IndexedDB's structured clone does (so a
 * later change to a batch in memory is not "persisted" by accident) and counts every call.
 */
export function recordingStore(map = new Map<string, string>(), prefix = 'tok:') {
  const calls = { set: 0, get: 0, remove: 0, keys: 0 };
  const log: string[] = [];
  let gate: Promise<unknown> | undefined;
  const store: AsyncStore<StoredBatch> = {
    async get(key) {
      calls.get++;
      const raw = map.get(prefix + key);
      return raw === undefined ? undefined : (JSON.parse(raw) as StoredBatch);
    },
    async set(key, value) {
      calls.set++;
      const copy = JSON.stringify(value); // taken when the write starts, as IndexedDB's put does
      if (gate) await gate;
      map.set(prefix + key, copy);
      log.push('set ' + key);
    },
    async remove(key) {
      calls.remove++;
      map.delete(prefix + key);
      log.push('remove ' + key);
    },
    async keys() {
      calls.keys++;
      return [...map.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    },
  };
  return {
    store,
    calls,
    log,
    map,
    /** Batches persisted under this prefix, by key. */
    batches: () =>
      Object.fromEntries([...map].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), JSON.parse(v) as StoredBatch])),
    /** Hold every `set` until the returned function is called. */
    hold() {
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}
