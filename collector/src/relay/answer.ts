/**
 * The answer Mixpanel gives an SDK (wire reference §2.3), which the relay gives once the items are
 * spooled: `1`, or `{"status":1,"error":null}` with `verbose=1` (plus `failed_records`), a 1×1 GIF
 * with `img=1`, `callback(<result>);` with `callback=`. The collector's ingest.ts answers alike.
 */
export interface Answer {
  body: string | Buffer;
  headers: Record<string, string>;
}

export interface FailedRecord {
  index: number;
  message: string;
}

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export function answer(query: URLSearchParams, fields: URLSearchParams | undefined, failed: FailedRecord[]): Answer {
  if (flag('img', query)) return { body: PIXEL, headers: { 'content-type': 'image/gif', 'cache-control': 'no-store' } };
  // `verbose` may come in the query (mixpanel-js) or as a form field (mixpanel-python).
  const verbose = flag('verbose', query, fields);
  const result = verbose ? JSON.stringify({ status: 1, error: null, ...(failed.length ? { failed_records: failed } : {}) }) : '1';
  const callback = query.get('callback');
  if (callback !== null && CALLBACK.test(callback)) {
    return { body: `${callback}(${result});`, headers: { 'content-type': 'text/javascript; charset=utf-8' } };
  }
  return { body: result, headers: { 'content-type': verbose ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' } };
}

function flag(name: string, query: URLSearchParams, fields?: URLSearchParams): boolean {
  const value = query.get(name) ?? fields?.get(name);
  return value === '1' || value === 'true';
}
