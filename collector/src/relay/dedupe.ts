import type Database from 'better-sqlite3';

/**
 * The `/track` de-duplication keys (a hash of token, distinct_id, event and `$insert_id`, made in
 * edge.ts): held while their item waits in the spool, and for `windowMs` after it was forwarded.
 * A client's re-send of an item the relay already took (a reply lost to a crash, a beacon and
 * then a retry) is answered 200 and neither stored nor sent again, so no upstream request carries
 * one `$insert_id` twice, and no two requests do. Later copies go upstream, where Mixpanel
 * de-duplicates them.
 *
 * The keys live in memory (about 70 bytes each): a SQLite index of random hashes made every commit
 * write a page per item and cost the spool more than half its speed. The `forwarded` table (in time
 * order, appended, so cheap) and the spool's own rows rebuild the set after a restart.
 */
export interface Dedupe {
  /** Take a key; false when it is already held (a duplicate). */
  claim(key: string): boolean;
  /** Give back keys claimed by a commit that failed. */
  release(keys: readonly string[]): void;
  /** In the transaction that removes forwarded `spool_track` rows up to `lastId`, before the delete. */
  forwarded(lastId: number, now: number): void;
}

export const DEDUPE_SCHEMA = `
CREATE TABLE IF NOT EXISTS forwarded (at INTEGER NOT NULL, dedupe TEXT NOT NULL, PRIMARY KEY (at, dedupe)) WITHOUT ROWID;
`;

/** Keys older than the window are dropped at most this often. */
const PRUNE_EVERY_MS = 10_000;

export function openDedupe(db: Database.Database, windowMs: number): Dedupe {
  const keys = new Set<string>();
  const expired = db.prepare('SELECT dedupe FROM forwarded WHERE at < ?').pluck();
  const forget = db.prepare('DELETE FROM forwarded WHERE at < ?');
  const prune = (now: number) => {
    for (const key of expired.iterate(now - windowMs) as IterableIterator<string>) keys.delete(key);
    forget.run(now - windowMs);
  };
  prune(Date.now());
  for (const key of db.prepare('SELECT dedupe FROM forwarded').pluck().iterate() as IterableIterator<string>) keys.add(key);
  for (const key of db.prepare('SELECT dedupe FROM spool_track WHERE dedupe IS NOT NULL').pluck().iterate() as IterableIterator<string>) keys.add(key);

  const leaving = db.prepare('SELECT dedupe FROM spool_track WHERE id <= ? AND dedupe IS NOT NULL').pluck();
  const remember = db.prepare('INSERT OR IGNORE INTO forwarded (at, dedupe) SELECT ?, dedupe FROM spool_track WHERE id <= ? AND dedupe IS NOT NULL');
  let pruned = Date.now();
  return {
    claim(key) {
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    },
    release(released) {
      for (const key of released) keys.delete(key);
    },
    forwarded(lastId, now) {
      if (windowMs === 0) {
        for (const key of leaving.iterate(lastId) as IterableIterator<string>) keys.delete(key);
        return;
      }
      remember.run(now, lastId);
      if (now - pruned >= PRUNE_EVERY_MS) {
        prune(now);
        pruned = now;
      }
    },
  };
}
