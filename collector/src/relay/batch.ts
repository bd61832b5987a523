import type { SpooledItem } from './spool-store.js';

/** One upstream request: the spool ids it carries, in order, and its form body `data=[...]`. */
export interface Batch {
  ids: number[];
  body: string;
}

export interface BatchBuilder {
  /** Items that may still be added. */
  room(): number;
  /** Add rows in order; false once one did not fit (it was not added): the batch is full. */
  add(rows: SpooledItem[]): boolean;
  /** The batch so far, or undefined when empty. */
  batch(): Batch | undefined;
}

/**
 * An upstream request body as mixpanel-js sends it (`data=<urlencoded JSON array>`), of at most
 * `items` items and `bytes` bytes, built from rows given a chunk at a time (so the event loop runs
 * between chunks); always at least one item, which edge.ts made sure fits.
 */
export function batchBuilder(items: number, bytes: number): BatchBuilder {
  const ids: number[] = [];
  const parts: string[] = [];
  let size = 'data=%5B%5D'.length;
  let full = false;
  return {
    room: () => (full ? 0 : items - ids.length),
    add(rows) {
      for (const row of rows) {
        if (full) return false;
        const encoded = encodeURIComponent(row.item);
        const add = encoded.length + (parts.length ? 3 : 0);
        if (parts.length && size + add > bytes) {
          full = true;
          return false;
        }
        ids.push(row.id);
        parts.push(encoded);
        size += add;
        full = ids.length >= items;
      }
      return !full;
    },
    batch: () => (ids.length ? { ids, body: `data=%5B${parts.join('%2C')}%5D` } : undefined),
  };
}
