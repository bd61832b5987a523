/**
 * Runs an example's one-line command (`node examples/<name>/<script>.mjs --port 0`) as its README
 * says, and reads the URLs it prints (`  site:      http://...`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface RunningExample {
  /** Every `name: http://...` line it printed, by name. */
  urls: Record<string, string>;
  child: ChildProcess;
  output(): string;
  /** Send `signal` and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `script` (relative to the repository root); resolves once it printed `waitFor`. */
export function runExample(
  script: string,
  args: string[] = ['--port', '0'],
  options: { env?: Record<string, string | undefined>; waitFor?: RegExp; timeoutMs?: number } = {},
): Promise<RunningExample> {
  const child = spawn(process.execPath, [join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const running: RunningExample = {
    urls: {},
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const waitFor = options.waitFor ?? /Ctrl-C/;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start in time:\n${out}`));
    }, options.timeoutMs ?? 30000);
    const read = (chunk: Buffer) => {
      out += chunk;
      for (const [, name, url] of out.matchAll(/^\s*([\w ]+?):\s+(https?:\/\/\S+)/gm)) running.urls[name!] = url!;
      if (waitFor.test(out)) {
        clearTimeout(timer);
        resolve(running);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready:\n${out}`));
    });
  });
}

/** Run a script to its end; resolves with its exit code and output. */
export function runToEnd(script: string, env: Record<string, string | undefined> = {}, timeoutMs = 20000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, script)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
