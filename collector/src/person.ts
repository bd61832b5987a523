import type Database from 'better-sqlite3';

/**
 * Who "one person" is in the collector: the distinct_ids asked for plus the anonymous devices
 * merged into them, as Mixpanel's simplified ID merge does. Used by the GDPR jobs (what a
 * deletion removes, what an export holds) and by the inspector's person timeline, so both see
 * the same person.
 *
 * A device belongs to the user of the first event that links them (a device merges into one
 * user only). Links: an event carrying both `$device_id` and `$user_id`, and an `$identify`
 * whose `$anon_distinct_id` is `$device:<id>`. A device's events are those whose distinct_id is
 * `$device:<id>` (mixpanel-js and heed) or the bare id (older mixpanel-js).
 */
export interface Person {
  /** The distinct_ids asked for. */
  asked: string[];
  /** Device ids merged into them. */
  devices: string[];
  /** Every distinct_id the person's rows may carry: `asked`, then `$device:<id>` and `<id>` per device. */
  ids: string[];
}

export const DEVICE_PREFIX = '$device:';
const DEVICE = `json_extract(properties, '$."$device_id"')`;
const USER = `json_extract(properties, '$."$user_id"')`;
const ANON = `json_extract(properties, '$."$anon_distinct_id"')`;

/**
 * The events of a person, as an SQL condition on `events`: `@people` is `Person.ids` as JSON,
 * `@asked` `Person.asked` as JSON, `@token` a project token or NULL for every project.
 */
export const PERSON_EVENTS = `(@token IS NULL OR token = @token) AND (ifnull(distinct_id, '') IN (SELECT value FROM json_each(@people)) OR ${USER} IN (SELECT value FROM json_each(@asked)))`;

/** `person(token, ids)`; `token` undefined looks across every project token. */
export type PersonLookup = (token: string | undefined, ids: readonly string[]) => Person;

export function personLookup(db: Database.Database): PersonLookup {
  // SQLite fills the bare `user` column from the row MIN(id) picked: the device's first link.
  const merged = db.prepare(
    `SELECT device FROM (
       SELECT device, user, MIN(id) FROM (
         SELECT id, ${DEVICE} AS device, ${USER} AS user FROM events WHERE (@token IS NULL OR token = @token)
         UNION ALL
         SELECT id, substr(${ANON}, ${DEVICE_PREFIX.length + 1}) AS device, distinct_id AS user FROM events
         WHERE event = '$identify' AND (@token IS NULL OR token = @token) AND substr(${ANON}, 1, ${DEVICE_PREFIX.length}) = '${DEVICE_PREFIX}'
       ) WHERE device IS NOT NULL AND user IS NOT NULL GROUP BY device
     ) WHERE user IN (SELECT value FROM json_each(@asked))`,
  );
  return (token, ids) => {
    const asked = [...new Set(ids)];
    const devices = (merged.all({ token: token ?? null, asked: JSON.stringify(asked) }) as { device: unknown }[]).map((r) => String(r.device));
    return { asked, devices, ids: [...asked, ...devices.flatMap((d) => [`${DEVICE_PREFIX}${d}`, d])] };
  };
}

/** The SQL parameters `PERSON_EVENTS` reads. */
export const personParams = (token: string | undefined, person: Person) => ({
  token: token ?? null,
  people: JSON.stringify(person.ids),
  asked: JSON.stringify(person.asked),
});
