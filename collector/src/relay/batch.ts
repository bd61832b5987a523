import type { SpooledItem } from './spool-store.js';

/** One upstream request: the spool ids it carries, in order, and its form body `data=[...]`. */
export interface Batch {
  ids: number[];
  body: string;
}

/**
 * The first items that fit in `limit` bytes of form body, as mixpanel-js sends them
 * (`data=<urlencoded JSON array>`); always at least one, which edge.ts made sure fits on its own.
 */
export function cutBatch(rows: SpooledItem[], limit: number): Batch | undefined {
  if (rows.length === 0) return undefined;
  const parts: string[] = [];
  let bytes = 'data=%5B%5D'.length;
  for (const row of rows) {
    const encoded = encodeURIComponent(row.item);
    const add = encoded.length + (parts.length ? 3 : 0);
    if (parts.length && bytes + add > limit) break;
    parts.push(encoded);
    bytes += add;
  }
  return { ids: rows.slice(0, parts.length).map((r) => r.id), body: `data=%5B${parts.join('%2C')}%5D` };
}
