const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');

/** RFC 4122 v4. `randomUUID` is missing on plain-http pages, so fall back to getRandomValues. */
export function uuid(): string {
  const c = globalThis.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * `$insert_id`s: a random per-instance prefix plus a counter. Unique across pages and retries
 * without a UUID per event (randomUUID alone costs more than the rest of track()).
 */
export function insertIds(): () => string {
  const prefix = uuid().replace(/-/g, '').slice(0, 24);
  let n = 0;
  return () => prefix + '-' + (n++).toString(36);
}
