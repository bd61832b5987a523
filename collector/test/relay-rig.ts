/**
 * The relay tests' rig: the collector CLI as real child processes (transpiled from src, so a test
 * never runs a stale build), a heed app process on the built Node entry, a wiretap that sees
 * exactly what the relay puts on the wire, and readers for /metrics and the upstream's wire counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { parseMetrics } from '../src/relay/metrics.js';
import type { RequestLog } from '../src/store.js';

const SRC = path.join(__dirname, '..', 'src');
const ROOT = path.join(__dirname, '..', '..');
let built: string | undefined;

/**
 * collector/src/**\/*.ts transpiled to ESM in a temp folder (once per test file), with
 * node_modules linked beside it; returns the path of cli.js.
 */
export function buildCollectorCli(): string {
  if (built) return built;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heed-collector-bin-'));
  const out = path.join(dir, 'bin');
  for (const file of fs.readdirSync(SRC, { recursive: true }) as string[]) {
    if (!file.endsWith('.ts')) continue;
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(SRC, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    fs.writeFileSync(path.join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
  fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return (built = path.join(out, 'cli.js'));
}

export interface Proc {
  child: ChildProcess;
  /** The URL from the "listening on" line. */
  url: string;
  output(): string;
  /** The JSON lines printed so far (the relay's structured log). */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
}

/** Start `node cli.js <args>` and wait for its "listening on" line. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const child = spawn(process.execPath, [buildCollectorCli(), ...args], {
    env: { ...process.env, PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\w.:[\]-]+)/.exec(output);
      if (match) {
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          logs: () => output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
          exited,
        });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
}

/** A collector playing Mixpanel: its own SQLite file, fault mode available. */
export function startUpstream(dir: string, port = 0): Promise<Proc> {
  return startCli(['--port', String(port), '--db', path.join(dir, 'upstream.db'), '--quiet', '--gdpr-step-ms', '20', '--gdpr-min-interval-ms', '0']);
}

/** A relay process on `dir/spool.db` (a later `--port` wins); `quiet: false` keeps its info log lines. */
export function startRelayProcess(dir: string, upstream: string, args: string[] = [], quiet = true): Promise<Proc> {
  return startCli(['--upstream', upstream, '--port', '0', '--spool', path.join(dir, 'spool.db'), ...(quiet ? ['--quiet'] : []), ...args]);
}

export async function stop(proc: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  return proc.exited;
}

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `heed-relay-${name}-`));
}

/** The relay's /metrics, parsed: `name{labels}` → value. */
export async function readMetrics(url: string): Promise<Map<string, number>> {
  const reply = await fetch(`${url}/metrics`);
  expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await reply.text());
}

/** One series, 0 when absent (a counter never incremented). */
export function metric(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return metrics.get(pairs.length ? `${name}{${pairs.join(',')}}` : name) ?? 0;
}

/** Poll `check` (every 50 ms) until it returns something other than undefined/false. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A row of the upstream's request log, as its read API returns it. */
export type WireRequest = RequestLog;

/** What reached the upstream collector: its request log for an endpoint and its stored events. */
export async function upstreamWire(url: string, endpoint = '/track') {
  const requests = ((await (await fetch(`${url}/api/requests?path=${endpoint}`)).json()) as { requests: WireRequest[] }).requests;
  const events = ((await (await fetch(`${url}/api/events?limit=100000`)).json()) as { events: Array<Record<string, any>> }).events;
  return {
    requests,
    /** Items in answered-200 requests: every copy the upstream accepted, duplicates included. */
    delivered: requests.filter((r) => r.status === 200).reduce((n, r) => n + r.items, 0),
    /** Events that arrived again with an `$insert_id` the upstream already had: copies on the wire. */
    copies: requests.reduce((n, r) => n + r.duplicates, 0),
    events,
  };
}

export interface Tapped {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Wiretap {
  url: string;
  seen: Tapped[];
  /** Hold every request this long before forwarding it. */
  delayMs: number;
  /** Answer instead of forwarding, when it returns a reply. */
  respond?: (request: Tapped) => { status: number; body: string; headers?: Record<string, string> } | undefined;
  close(): Promise<void>;
}

/** An HTTP server between the relay and its upstream: records each request, then forwards it (or answers itself). */
export async function startWiretap(target: string): Promise<Wiretap> {
  const tap: Wiretap = { url: '', seen: [], delayMs: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const request: Tapped = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      tap.seen.push(request);
      if (tap.delayMs) await new Promise((resolve) => setTimeout(resolve, tap.delayMs));
      const own = tap.respond?.(request);
      if (own) {
        res.writeHead(own.status, { 'content-type': 'application/json', ...own.headers });
        return void res.end(own.body);
      }
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization']) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
      const reply = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : request.body });
      const answerHeaders: Record<string, string> = {};
      reply.headers.forEach((value, name) => {
        if (name === 'content-type' || name === 'retry-after') answerHeaders[name] = value;
      });
      res.writeHead(reply.status, answerHeaders);
      res.end(Buffer.from(await reply.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tap.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return tap;
}

export interface HeedRun {
  child: ChildProcess;
  /** Resolves when every event was tracked and a flush succeeded. */
  done: Promise<void>;
  output(): string;
}

/**
 * A Node app on the built heed entry (dist/heed.node.mjs) tracking `count` events, one every
 * `everyMs`, each with `n` and `run` properties and an `ip` property the relay must drop.
 */
export function runHeed(apiHost: string, run: string, count: number, everyMs = 0, token = 'relay-token'): HeedRun {
  const app = path.join(__dirname, 'relay-heed-app.mjs');
  const child = spawn(process.execPath, [app, apiHost, token, run, String(count), String(everyMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<void>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`heed app exited with ${code}:\n${output}`)))),
  );
  return { child, done, output: () => output };
}

/** Every `n` from 0 to count-1 exactly once among the stored events of a run, none with an IP. */
export function expectExactlyOnce(events: Array<Record<string, any>>, run: string, count: number): void {
  const mine = events.filter((e) => e.properties.run === run);
  const ns = mine.map((e) => e.properties.n as number).sort((a, b) => a - b);
  expect(ns).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(mine.filter((e) => e.ip !== null || 'ip' in e.properties || '$ip' in e.properties)).toEqual([]);
}
