import type Database from 'better-sqlite3';

const CHUNK = 5000;

/**
 * A person as Mixpanel's simplified ID merge sees them: the named distinct_ids, events whose
 * `$user_id` is one of them, and every item of the devices those events came from (the
 * anonymous `$device:<id>` events before identify). Two chunked passes: devices, then deletes.
 */
export async function purgeRows(db: Database.Database, from: string, token: string, distinctIds: readonly string[]): Promise<number> {
  const ids = new Set(distinctIds);
  const scan = db.prepare(`SELECT id, token, distinct_id, user_id, device_id FROM ${from} WHERE id > ? ORDER BY id LIMIT ${CHUNK}`);
  const remove = db.prepare(`DELETE FROM ${from} WHERE id = ?`);
  type Row = { id: number; token: string; distinct_id: string | null; user_id: string | null; device_id: string | null };
  const mine = (r: Row) => r.token === token && ((r.distinct_id !== null && ids.has(r.distinct_id)) || (r.user_id !== null && ids.has(r.user_id)));
  const devices = new Set<string>();
  await eachChunk(scan, (rows: Row[]) => {
    for (const r of rows) if (r.device_id !== null && mine(r)) devices.add(r.device_id);
  });
  const anonymous = (r: Row) => r.token === token && r.device_id !== null && devices.has(r.device_id);
  let removed = 0;
  const deleteRows = db.transaction((rows: Row[]) => {
    for (const r of rows) if (mine(r) || anonymous(r)) removed += remove.run(r.id).changes;
  });
  await eachChunk(scan, deleteRows);
  return removed;
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
