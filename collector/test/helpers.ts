import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startCollector, type Collector, type CollectorOptions } from '../src/index.js';

export const TOKEN = 'test-project-token';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The body parsed as JSON (throws if it is not). */
  json: any;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
}

export interface TestCollector {
  collector: Collector;
  dir: string;
  dbFile: string;
  /** One HTTP exchange over the suite's keep-alive agent; resolves for every status. */
  request(pathAndQuery: string, options?: RequestOptions): Promise<Reply>;
  /** POST a body (string, or a value sent as raw JSON). */
  post(pathAndQuery: string, body: unknown, headers?: Record<string, string | number>): Promise<Reply>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A real collector on a random port over a SQLite file in a fresh temp folder. */
export async function startTestCollector(options: CollectorOptions = {}, sockets = 8): Promise<TestCollector> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heed-collector-test-'));
  const dbFile = path.join(dir, 'collector.db');
  const collector = await startCollector({ db: dbFile, ...options });
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });

  const request = (pathAndQuery: string, { method = 'GET', headers = {}, body }: RequestOptions = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${collector.url}${pathAndQuery}`, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const buffer = Buffer.concat(chunks);
          const text = buffer.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buffer,
            text,
            get json() {
              return JSON.parse(text);
            },
          });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  return {
    collector,
    dir,
    dbFile,
    request,
    post: (pathAndQuery, body, headers = {}) =>
      request(pathAndQuery, {
        method: 'POST',
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
      }),
    async reset() {
      const reply = await request('/api/reset', { method: 'POST' });
      if (reply.status !== 200) throw new Error(`reset failed: ${reply.text}`);
    },
    async close() {
      agent.destroy();
      await collector.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `data=<urlencoded>` as mixpanel-js sends it. */
export function form(payload: unknown, encoding: 'json' | 'base64' = 'json', extra = ''): string {
  const json = JSON.stringify(payload);
  const data = encoding === 'json' ? json : Buffer.from(json, 'utf8').toString('base64');
  return `data=${encodeURIComponent(data)}${extra}`;
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let counter = 0;
/** A valid /track item with a unique `$insert_id`. */
export function event(name = 'Page View', properties: Record<string, unknown> = {}): { event: string; properties: Record<string, unknown> } {
  counter += 1;
  return {
    event: name,
    properties: { token: TOKEN, distinct_id: 'user-1', $insert_id: `ins-${process.pid}-${counter}`, time: 1_790_000_000, ...properties },
  };
}

/** Rows of the events table as the read API returns them. */
export async function events(t: TestCollector, query = ''): Promise<any[]> {
  const reply = await t.request(`/api/events${query}`);
  expect(reply.status).toBe(200);
  return reply.json.events;
}

export function count(t: TestCollector, table: 'events' | 'profiles' | 'groups' | 'requests'): number {
  return t.collector.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}
