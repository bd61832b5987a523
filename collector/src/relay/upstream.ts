import http from 'node:http';
import https from 'node:https';

/**
 * HTTP to the upstream (ingestion and GDPR API), with only the headers the relay chooses: nothing
 * of the visitor's request (cookies, Authorization, User-Agent, X-Forwarded-For) is ever copied
 * here; callers pass the few headers an upstream needs explicitly.
 */
export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
}

export type UpstreamResult =
  | { ok: true; status: number; headers: http.IncomingHttpHeaders; body: Buffer }
  /** No answer: `timeout` (no full reply in time) or `network` (refused, reset, DNS, TLS). */
  | { ok: false; reason: 'timeout' | 'network'; message: string };

export interface Upstream {
  send(url: URL, request: UpstreamRequest): Promise<UpstreamResult>;
  /** End keep-alive sockets and abort what is in flight. */
  close(): void;
}

export const USER_AGENT = 'heed-relay/0.1';

export function createUpstream(): Upstream {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };
  const inFlight = new Set<http.ClientRequest>();
  return {
    send(url, request) {
      return new Promise((resolve) => {
        const transport = url.protocol === 'https:' ? https : http;
        const body = request.body ?? '';
        const req = transport.request(url, {
          method: request.method,
          agent: agents[url.protocol as 'http:' | 'https:'],
          headers: { 'user-agent': USER_AGENT, ...request.headers, 'content-length': String(Buffer.byteLength(body)) },
        });
        inFlight.add(req);
        let settled = false;
        const finish = (result: UpstreamResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          inFlight.delete(req);
          resolve(result);
        };
        const timer = setTimeout(() => {
          finish({ ok: false, reason: 'timeout', message: `no answer within ${request.timeoutMs} ms` });
          req.destroy();
        }, request.timeoutMs);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (error) => finish({ ok: false, reason: 'network', message: error.message }));
          // A reset mid-answer: without the whole reply, the items' fate is unknown, so retry.
          res.on('close', () => {
            if (!res.complete) finish({ ok: false, reason: 'network', message: 'connection closed mid-answer' });
          });
        });
        req.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: 'network', message: error.code ?? error.message }));
        req.end(body);
      });
    },
    close() {
      for (const req of inFlight) req.destroy();
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
