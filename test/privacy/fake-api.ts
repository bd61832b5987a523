import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake GDPR API received it. */
export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Arrival time (ms since epoch). */
  at: number;
}

/** A scripted answer: JSON (or raw text) with a status, optionally late; or a dropped connection. */
export type Reply = { status: number; body?: unknown; raw?: string; headers?: Record<string, string>; delayMs?: number };
export type Answer = Reply | 'hangup';

export interface FakeApi {
  /** `http://127.0.0.1:<port>/api/app`, the client's `baseUrl`. */
  base: string;
  seen: Seen[];
  /** Answers for the next requests, in order; after them `otherwise` answers. */
  script(...answers: Answer[]): void;
  otherwise(answer: (seen: Seen) => Answer): void;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records every request and answers from a script. */
export async function startFakeApi(): Promise<FakeApi> {
  const seen: Seen[] = [];
  const queue: Answer[] = [];
  let fallback: (s: Seen) => Answer = () => ({ status: 500, body: { status: 'error', error: 'no answer scripted' } });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const entry: Seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at };
      seen.push(entry);
      const answer = queue.length ? queue.shift()! : fallback(entry);
      if (answer === 'hangup') {
        req.socket.destroy();
        return;
      }
      const send = () => {
        const text = answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(text);
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/api/app`,
    seen,
    script: (...answers) => void queue.push(...answers),
    otherwise(answer) {
      fallback = answer;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export const created = (id = 'task-1'): Reply => ({ status: 201, body: { status: 'ok', results: { task_id: id } } });

/** The spec's CheckDeletionResponse. */
export const deletionState = (status: string, id = 'task-1', ids = ['alice']): Reply => ({
  status: 200,
  body: {
    status: 'ok',
    results: {
      tracking_id: id,
      status,
      requesting_user: 'owner@example.com',
      compliance_type: 'GDPR',
      project_id: 1978118,
      date_requested: '2026-08-01T10:00:00',
      distinct_ids: ids,
    },
  },
});

/** The spec's CheckRetrievalResponse (`results.results` is the link). */
export const exportState = (status: string, link = '', ids = ['alice']): Reply => ({
  status: 200,
  body: { status: 'ok', results: { status, results: link, distinct_ids: ids } },
});
