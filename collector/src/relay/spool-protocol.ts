import type { Endpoint } from './options.js';
import type { Rejection, SpoolRow, StoreOptions } from './spool-store.js';

/** What spool.ts and its thread (spool-worker.ts) say to each other: calls, and answers by call id (id 0: to opening the file). */
export type Call = { id: number } & (
  | { op: 'append'; endpoint: Endpoint; packed: PackedRows }
  | { op: 'next'; endpoint: Endpoint; items: number; bytes: number }
  | { op: 'settle'; endpoint: Endpoint; lastId: number; rejected?: Rejection }
  | { op: 'purge'; token: string; distinctIds: readonly string[] }
  | { op: 'waiting' }
  | { op: 'close' }
);
export type Reply = { id: number; result?: unknown; error?: string };

/**
 * Rows as two strings, items and keys each joined by newlines (JSON text and base64url keys never
 * hold one; an empty key is none): cloning two strings into the thread costs a fraction of
 * cloning an array of objects, and an append is posted for every request.
 */
export interface PackedRows {
  items: string;
  keys: string;
}

export function packRows(rows: SpoolRow[]): PackedRows {
  return { items: rows.map((r) => r.item).join('\n'), keys: rows.map((r) => r.dedupe ?? '').join('\n') };
}

export function unpackRows({ items, keys }: PackedRows): SpoolRow[] {
  if (items === '') return [];
  const dedupes = keys.split('\n');
  return items.split('\n').map((item, i) => ({ item, dedupe: dedupes[i] || null }));
}

export interface WorkerData {
  file: string;
  options: StoreOptions;
}
