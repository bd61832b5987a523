import type Database from 'better-sqlite3';

/** Where a person's ids sit in an item (wire reference §2.3, §2.5): event properties, or an update's `$` keys. */
const PERSON = {
  track: { token: '$.properties.token', distinct: '$.properties.distinct_id', user: '$.properties."$user_id"', device: '$.properties."$device_id"' },
  engage: { token: '$."$token"', distinct: '$."$distinct_id"', user: '$."$user_id"', device: '$."$device_id"' },
} as const;

/** Rows read per step; the event loop runs between steps, so accepting goes on during a purge. */
const CHUNK = 5000;

export interface PurgeSource {
  table: string;
  /** Whose items: the `rejected` table holds both, told apart by its `endpoint` column. */
  endpoint: keyof typeof PERSON;
  /** Rows above this id are the waiting ones, which the count returned is of (read at each delete: a settle may move it). */
  waitingAbove: () => number;
}

type Row = { id: number; token: unknown; did: string | null; uid: string | null; dev: string | null };

/**
 * Delete a person's items, as Mixpanel's simplified ID merge sees the person: the named
 * distinct_ids, events whose `$user_id` is one of them, and every item of the devices those
 * came from (the anonymous `$device:<id>` ones before identify), in every source. Two chunked
 * passes, devices first, then deletes; no index (it would cost every insert for a rare request).
 * Resolves with the number of waiting rows removed from each source, in order.
 */
export async function purgePerson(db: Database.Database, sources: PurgeSource[], token: string, distinctIds: readonly string[]): Promise<number[]> {
  const ids = new Set(distinctIds);
  const mine = (r: Row) => r.token === token && ((r.did !== null && ids.has(r.did)) || (r.uid !== null && ids.has(r.uid)));
  const devices = new Set<string>();
  for (const source of sources) {
    await eachChunk(scanOf(db, source), (rows: Row[]) => {
      for (const r of rows) if (r.dev !== null && mine(r)) devices.add(r.dev);
    });
  }
  const anonymous = (r: Row) =>
    r.token === token && ((r.dev !== null && devices.has(r.dev)) || (r.did !== null && r.did.startsWith('$device:') && devices.has(r.did.slice(8))));
  const removed: number[] = [];
  for (const source of sources) {
    const remove = db.prepare(`DELETE FROM ${source.table} WHERE id = ?`);
    let n = 0;
    const deleteRows = db.transaction((rows: Row[]) => {
      for (const r of rows) {
        if (!mine(r) && !anonymous(r)) continue;
        const gone = remove.run(r.id).changes;
        if (r.id > source.waitingAbove()) n += gone;
      }
    });
    await eachChunk(scanOf(db, source), deleteRows);
    removed.push(n);
  }
  return removed;
}

function scanOf(db: Database.Database, source: PurgeSource): Database.Statement {
  const p = PERSON[source.endpoint];
  const text = (path: string) => `CAST(json_extract(item, '${path}') AS TEXT)`;
  const only = source.table === 'rejected' ? `AND endpoint = '${source.endpoint}'` : '';
  return db.prepare(
    `SELECT id, json_extract(item, '${p.token}') AS token, ${text(p.distinct)} AS did, ${text(p.user)} AS uid, ${text(p.device)} AS dev
     FROM ${source.table} WHERE id > ? ${only} ORDER BY id LIMIT ${CHUNK}`,
  );
}

async function eachChunk<R extends { id: number }>(scan: Database.Statement, visit: (rows: R[]) => void): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = scan.all(after) as R[];
    if (rows.length === 0) return;
    visit(rows);
    after = rows[rows.length - 1]!.id;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
