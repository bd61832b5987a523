import type { IncomingMessage } from 'node:http';
import querystring from 'node:querystring';
import zlib from 'node:zlib';
import { HttpError } from './http.js';

/**
 * Past this many raw bytes a refused body is no longer drained (so the reply stays readable on a
 * keep-alive connection) but cut off with `Connection: close`.
 */
const DRAIN_LIMIT = 32 * 1024 * 1024;

/**
 * Read a request body, undoing `Content-Encoding` (gzip, deflate, br) while counting decoded
 * bytes, so a compressed bomb stops at `limit` instead of filling memory.
 *
 * Refusals (413, bad encoding) wait until the client has finished sending, discarding the rest,
 * because answering mid-upload makes most clients see a reset instead of the status.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
    const tooLarge = () => new HttpError(413, `request body exceeds max limit of ${limit} bytes`);
    // gzip of incompressible data is a few bytes per 16 KiB larger than the data itself.
    const rawLimit = encoding === '' || encoding === 'identity' ? limit : limit + (limit >> 6) + 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    let raw = 0;
    let settled = false;
    let refusal: HttpError | undefined;

    const refuse = (error: HttpError) => {
      if (refusal || settled) return;
      refusal = error;
      decoder?.destroy();
      chunks.length = 0;
      if (req.readableEnded) finish();
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      if (refusal) reject(refusal);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const take = (chunk: Buffer) => {
      if (refusal) return;
      size += chunk.length;
      if (size > limit) refuse(tooLarge());
      else chunks.push(chunk);
    };

    let decoder: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined;
    if (encoding === 'gzip' || encoding === 'x-gzip') decoder = zlib.createGunzip();
    else if (encoding === 'deflate') decoder = zlib.createInflate();
    else if (encoding === 'br') decoder = zlib.createBrotliDecompress();
    else if (encoding !== '' && encoding !== 'identity') {
      refuse(new HttpError(400, `unsupported Content-Encoding '${encoding.slice(0, 40)}' (use gzip, deflate, br or none)`));
    }
    if (decoder) {
      const name = encoding.replace('x-', '');
      decoder.on('data', take);
      decoder.on('end', finish);
      decoder.on('error', () => refuse(new HttpError(400, `body is not valid ${name} data (Content-Encoding: ${name})`)));
    }

    req.on('data', (chunk: Buffer) => {
      raw += chunk.length;
      if (refusal) {
        if (raw > DRAIN_LIMIT && !settled) {
          settled = true;
          reject(new HttpError(refusal.status, refusal.message, { connection: 'close' }));
        }
        return;
      }
      if (raw > rawLimit) refuse(tooLarge());
      else if (decoder) decoder.write(chunk);
      else take(chunk);
    });
    req.on('end', () => {
      if (decoder && !refusal) decoder.end();
      else finish();
    });
    req.on('error', () => {
      if (settled) return;
      settled = true;
      reject(new HttpError(400, 'request body could not be read'));
    });
    // A client that hangs up mid-body: nobody is left to answer, but the promise must settle.
    req.on('close', () => {
      if (!req.readableEnded && !settled) {
        settled = true;
        reject(new HttpError(400, 'client closed the connection before the body was complete'));
      }
    });
  });
}

/**
 * Turn what arrived into the list of items. mixpanel-js and mixpanel-python send form bodies
 * `data=<JSON or base64 JSON>`; the OpenAPI spec shows a raw JSON body; the GET/img fallback
 * puts `data` in the query. Returns the items and the form fields, which may carry `verbose`
 * and `ip` (mixpanel-python sends them in the body, not the query).
 */
export function decodePayload(
  body: Buffer | undefined,
  contentType: string | undefined,
  query: URLSearchParams,
): { payload: unknown; fields?: URLSearchParams; format: DataFormat } {
  if (body === undefined || body.length === 0) {
    const data = query.get('data');
    if (data === null) {
      throw new HttpError(400, body ? 'empty body: send a JSON array of items or a form field data=' : 'missing data= query parameter');
    }
    return readData(data);
  }
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  // sendBeacon posts form-looking strings as text/plain, so the body's shape decides too.
  if (type === 'application/x-www-form-urlencoded' || text.startsWith('data=')) {
    const fields = parseForm(text);
    const data = fields.get('data');
    if (data === null) throw new HttpError(400, 'form body has no data= field');
    return { ...readData(data), fields };
  }
  try {
    return { payload: JSON.parse(text), format: 'raw' };
  } catch {
    throw new HttpError(400, 'body is not valid JSON (expected a JSON array or object, or a form field data=)');
  }
}

/**
 * `application/x-www-form-urlencoded` fields. Same result as `URLSearchParams` for well-formed
 * input, about three times faster on a 1 MB `data=` field (the collector benchmark's hot path);
 * malformed `%` sequences fall back to the lenient decoder.
 */
export function parseForm(text: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = at === -1 ? pair : pair.slice(0, at);
    const value = at === -1 ? '' : pair.slice(at + 1);
    fields.append(formDecode(key), formDecode(value));
  }
  return fields;
}

function formDecode(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return querystring.unescape(spaced);
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The value of `data`: JSON first, then base64 JSON. The wire reference (§2.3) leaves open how
 * Mixpanel tells them apart; JSON can never be valid base64 of JSON, so the order is safe.
 */
export function decodeData(data: string): unknown {
  return readData(data).payload;
}

/** How the items were sent: `data=` holding JSON or base64 JSON, or a raw JSON body. */
export type DataFormat = 'json' | 'base64' | 'raw';

function readData(data: string): { payload: unknown; format: DataFormat } {
  try {
    return { payload: JSON.parse(data), format: 'json' };
  } catch {
    // A '+' sent without percent-encoding arrives as a space after form decoding.
    const b64 = data.replace(/[\r\n]/g, '').replace(/ /g, '+');
    if (BASE64.test(b64)) {
      try {
        return { payload: JSON.parse(Buffer.from(b64, 'base64').toString('utf8')), format: 'base64' };
      } catch {
        // fall through to the error below
      }
    }
  }
  throw new HttpError(400, 'data is neither JSON nor base64-encoded JSON');
}
