import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { URL, URLSearchParams } from 'node:url';

/** One request as the server saw it. */
export interface Recorded {
  method: string;
  /** Path without the query, e.g. `/track/`. */
  path: string;
  /** `track`, `engage` or `groups` (the first path segment). */
  endpoint: string;
  query: Record<string, string>;
  contentType: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw `data=` value after form decoding, before JSON or base64 decoding. */
  data: string;
  format: 'json' | 'base64' | 'none';
  /** The decoded items (always an array). */
  items: any[];
  /** The status the server answered with. */
  status: number;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>`, to use as `api_host`. */
  url: string;
  /** Every request, in arrival order, including refused ones. */
  requests: Recorded[];
  /** TCP connections opened so far, including ones closed before a whole request arrived (an aborted send). */
  readonly connections: number;
  /** Items of the requests to `endpoint` that were answered 200, in arrival order. */
  accepted(endpoint: 'track' | 'engage' | 'groups'): any[];
  /** Answer every later request with `status` (200 gives `{"status":1}`) until told otherwise. */
  answer(status: number): void;
  /** Resolves once `count` requests (any status) have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once nothing has been in progress or arrived for `ms`: the way to show an absence. */
  quiet(ms?: number): Promise<void>;
  close(): Promise<void>;
}

function decodeData(raw: string | null): { format: Recorded['format']; items: any[] } {
  if (raw === null) return { format: 'none', items: [] };
  const trimmed = raw.trim();
  const json = trimmed.startsWith('[') || trimmed.startsWith('{');
  const text = json ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
  const parsed: unknown = JSON.parse(text);
  return { format: json ? 'json' : 'base64', items: Array.isArray(parsed) ? parsed : [parsed] };
}

/**
 * A Mixpanel-shaped ingestion endpoint on 127.0.0.1 that records every request: path, query and
 * the decoded `data=` form field (JSON or base64 JSON), and answers `{"status":1}`.
 */
export async function startServer(): Promise<TestServer> {
  const requests: Recorded[] = [];
  const waiters = new Set<() => void>();
  let status = 200;
  let busy = 0;
  let lastActivity = Date.now();

  const notify = () => {
    lastActivity = Date.now();
    for (const w of Array.from(waiters)) w();
  };

  const server = createServer((req: IncomingMessage, res) => {
    // CORS, as an ingestion endpoint answers a page on another origin (jsdom's XMLHttpRequest checks it).
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', '*');
    if (req.method === 'OPTIONS') return void res.writeHead(204, { connection: 'close' }).end();
    busy++;
    lastActivity = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url || '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      const form = new URLSearchParams(body);
      const answered = status;
      let decoded: { format: Recorded['format']; items: any[] };
      try {
        decoded = decodeData(form.get('data') ?? url.searchParams.get('data'));
      } catch {
        decoded = { format: 'none', items: [] };
      }
      requests.push({
        method: req.method || '',
        path: url.pathname,
        endpoint: url.pathname.split('/')[1] || '',
        query: Object.fromEntries(url.searchParams),
        contentType: String(req.headers['content-type'] || ''),
        headers: req.headers,
        data: form.get('data') ?? '',
        ...decoded,
        status: answered,
      });
      // Written by hand: a test may have patched JSON.stringify or the prototypes' toJSON in this realm.
      const reply = answered === 200 ? '{"status":1,"error":null}' : `{"status":0,"error":"answered ${answered}"}`;
      res.writeHead(answered, { 'content-type': 'application/json', connection: 'close' });
      res.end(reply, () => {
        busy--;
        notify();
      });
    });
  });
  let connections = 0;
  server.on('connection', () => void connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const until = (done: () => boolean, timeoutMs: number, what: () => string) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const check = () => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`test server: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
    });

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    accepted: (endpoint) =>
      requests.filter((r) => r.endpoint === endpoint && r.status === 200).flatMap((r) => r.items),
    answer(s) {
      status = s;
    },
    waitForRequests: (count, timeoutMs = 5000) =>
      until(() => requests.length >= count && busy === 0, timeoutMs, () => `${count} requests (have ${requests.length})`),
    quiet(ms = 150) {
      return new Promise<void>((resolve) => {
        const tick = () => {
          const idle = Date.now() - lastActivity;
          if (busy === 0 && idle >= ms) resolve();
          else setTimeout(tick, Math.max(10, ms - idle));
        };
        setTimeout(tick, ms);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
