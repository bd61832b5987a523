import type { IncomingMessage, ServerResponse } from 'node:http';

export interface NodeHandlerOptions {
  /**
   * Largest request body read; above it the answer is 413 without calling the handler.
   * @default 65536
   */
  maxBodyBytes?: number;
}

/**
 * `node:http` glue for a Web-standard handler such as `createPrivacyHandler(...)`:
 * `http.createServer(toNodeHandler(handler))`, or a route of an Express/Connect app.
 */
export function toNodeHandler(
  handler: (request: Request) => Promise<Response>,
  options: NodeHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 65536;
  return (req, res) => {
    serve(handler, req, res, limit).catch((error: unknown) => {
      console.error('[heed/privacy] request failed:', error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"error":"internal error"}');
      } else res.destroy();
    });
  };
}

async function serve(handler: (request: Request) => Promise<Response>, req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    body = await readLimited(req, limit);
    if (!body) {
      res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end('{"error":"body too large"}');
      return;
    }
  }
  // Behind a proxy the Host header is the public one; only the path matters to the handler.
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
  const init: RequestInit = { method, headers };
  if (body) init.body = new Uint8Array(body);
  const response = await handler(new Request(url, init));
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    // Several cookies must stay several headers; `get` would join them with commas.
    out[name] = name === 'set-cookie' && typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : value;
  });
  const payload = method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, out);
  res.end(payload);
}

/** The body, or `undefined` once it passes `limit` (the rest is drained, so the reply is still read). */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
