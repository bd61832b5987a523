import fc from 'fast-check';
import type { Heed } from '../../src/types';
import { startServer, type Recorded, type TestServer } from '../helpers/server';
import { METHODS, invoke, type Method } from './calls';
import { make, showCall, trimmed, type MakeContext, type Spec } from './hostile';
import { kindOf, payloadProblems } from './payloads';
import { pollutionCheck, useListenerSweep, useWireGuard } from './guards';
import { record } from './report';

export interface Entry {
  /** `browser` or `node`: the row's name and the test titles. */
  name: string;
  createHeed(): Heed;
  /** Put the platform back between runs (browser storage). */
  reset?(): void;
}

export interface SuiteOptions {
  /** Generated calls per method (at least). */
  cases: number;
  seed: number;
  /** Calls per run: each run is a fresh tracker, its calls, a flush, then the check of what arrived. */
  perRun?: number;
  /** How long a failure may be shrunk to a smaller reproduction, in ms. */
  shrinkMs: number;
}

/** What one run (or a whole method) found. */
interface Tally {
  cases: number;
  throws: number;
  polluted: number;
  items: number;
  invalid: number;
  problems: string[];
}

const blank = (): Tally => ({ cases: 0, throws: 0, polluted: 0, items: 0, invalid: 0, problems: [] });
const MAX_KEPT = 8;

/**
 * Property-based tests over the whole public surface of one entry: for every method, at least
 * `cases` generated calls (hostile arguments among them), each run on a fresh tracker whose
 * payloads go to a real HTTP server. Each run asserts: no call throws (nor the probes after it,
 * nor anything later, asynchronously), the built-in prototypes are unchanged, and every item that
 * arrived is valid against Mixpanel's spec and limits. A failure is replayed from its seed and
 * path and shrunk, and printed as the JavaScript calls that reproduce it.
 */
export function propertySuite(entry: Entry, options: SuiteOptions): void {
  const perRun = options.perRun ?? 100;
  let server: TestServer;
  const guard = useWireGuard(() => server.url);
  const listeners = useListenerSweep();
  const ctx: MakeContext = { get server() { return server.url; } };
  const totals = blank();
  let run = 0;

  const LEVELS = ['log', 'info', 'warn', 'error'] as const;
  const saved = LEVELS.map((level) => console[level]);
  beforeAll(async () => {
    server = await startServer();
    // A generated `debug: true` warns on every call: tens of thousands of lines (kept by jest, or
    // by a spy's mock.calls) would only slow the run down.
    for (const level of LEVELS) console[level] = () => undefined;
  });
  afterAll(async () => {
    LEVELS.forEach((level, i) => (console[level] = saved[i]!));
    await server?.close();
    record(`properties-${entry.name}`, {
      scenario: `properties: ${entry.name} entry (${METHODS.length} methods)`,
      tracked: totals.cases,
      throws: totals.throws + totals.polluted,
      invalid: totals.invalid,
      note: `${totals.items} items checked; ${totals.polluted} calls changed a built-in prototype`,
    });
  });

  /** One run: a fresh tracker, `calls` to `method` (each followed by a track and a people.set probe), a flush, the check. */
  async function runCase(method: Method, calls: Spec[][]): Promise<Tally> {
    const t = blank();
    const token = `run-${entry.name}-${++run}`;
    const heed = entry.createHeed();
    const made = [heed];
    heed.init(token, { api_host: server.url, batch_flush_interval_ms: 60_000 });
    const shown: string[] = [];
    const fail = (kind: 'throws' | 'polluted', message: string) => {
      t[kind]++;
      if (t.problems.length < MAX_KEPT) t.problems.push(message);
    };
    calls.forEach((spec, i) => {
      const call = showCall(method.path, spec);
      shown.push(call);
      const target = method.path === 'init' ? fresh(entry, server.url, made) : heed;
      const check = pollutionCheck();
      try {
        const result = invoke(target, method.path, trimmed(spec).map((a) => make(a, ctx)));
        if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(undefined, () => undefined);
      } catch (e) {
        fail('throws', `${call} threw ${String(e)}`);
      }
      probe(target, i, call, (m) => fail('throws', m));
      const changed = check();
      if (changed) fail('polluted', `${call} changed ${changed}`);
      t.cases++;
    });
    await settle(made, (m) => fail('throws', m));
    stop(made);
    listeners.sweep();
    guard.errors.splice(0).forEach((e) => fail('throws', `asynchronously, after ${shown.join('; ')}: ${e}`));
    // Taken out, not copied: a file's runs put millions of items through the server.
    checkArrived(server.requests.splice(0), t, shown);
    entry.reset?.();
    return t;
  }

  describe(`${entry.name} entry: ${options.cases} generated calls per public method`, () => {
    for (const method of METHODS) {
      test(method.path, async () => {
        const tally = await explore(method, options, perRun, runCase);
        for (const key of ['cases', 'throws', 'polluted', 'items', 'invalid'] as const) totals[key] += tally[key];
        expect(tally.cases).toBeGreaterThanOrEqual(options.cases);
        if (tally.throws + tally.polluted + tally.invalid === 0) return;
        const summary = `${method.path}: of ${tally.cases} calls, ${tally.throws} threw, ${tally.polluted} changed a prototype; ${tally.invalid} of ${tally.items} items invalid`;
        throw new Error(`${summary}\nfirst problems:\n  ${tally.problems.join('\n  ')}\n\n${await shrink(method, options, perRun, runCase)}`);
      }, 600_000);
    }
  });
}

/** Run `method` until `options.cases` calls are done, never stopping at a failure: the counts are the table's. */
async function explore(method: Method, options: SuiteOptions, perRun: number, runCase: (m: Method, c: Spec[][]) => Promise<Tally>): Promise<Tally> {
  const tally = blank();
  let seed = options.seed;
  while (tally.cases < options.cases) {
    const runs = Math.ceil((options.cases - tally.cases) / (perRun / 2)) + 1;
    await fc.assert(
      fc.asyncProperty(fc.array(method.args, { minLength: 1, maxLength: perRun }), async (calls) => {
        if (tally.cases >= options.cases) return;
        const t = await runCase(method, calls);
        for (const key of ['cases', 'throws', 'polluted', 'items', 'invalid'] as const) tally[key] += t[key];
        tally.problems.push(...t.problems.slice(0, Math.max(0, MAX_KEPT - tally.problems.length)));
      }),
      { seed: seed++, numRuns: runs },
    );
  }
  return tally;
}

/** A failing run found again from the same seed, shrunk (for at most `shrinkMs`) to a small reproduction. */
async function shrink(method: Method, options: SuiteOptions, perRun: number, runCase: (m: Method, c: Spec[][]) => Promise<Tally>): Promise<string> {
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(method.args, { minLength: 1, maxLength: perRun }), async (calls) => {
        const t = await runCase(method, calls);
        if (t.throws + t.polluted + t.invalid) throw new Error(`reproduction:\n  ${calls.map((c) => showCall(method.path, c)).join(';\n  ')}\nfound:\n  ${t.problems.join('\n  ')}`);
      }),
      { seed: options.seed, numRuns: 100_000, interruptAfterTimeLimit: options.shrinkMs, markInterruptAsFailure: false },
    );
    return '(not reproduced from the seed: the failure depends on timing)';
  } catch (e) {
    // fast-check 4 keeps the property's own error (the reproduction) as the cause.
    const cause = (e as Error & { cause?: unknown }).cause;
    return `${(e as Error).message}${cause instanceof Error ? `\n${cause.message}` : ''}`;
  }
}

/** A new, uninitialised tracker whose own payloads go to the test server too (for `init`). */
function fresh(entry: Entry, server: string, made: Heed[]): Heed {
  const h = entry.createHeed();
  h.set_config({ api_host: server, batch_flush_interval_ms: 60_000 });
  made.push(h);
  return h;
}

/** After each call: an event and a profile update, so what the call changed shows in what is sent next. */
function probe(heed: Heed, i: number, call: string, fail: (m: string) => void): void {
  try {
    heed.track('probe', { i });
    heed.people.set({ probe: i });
  } catch (e) {
    fail(`after ${call}, a plain track()/people.set() threw ${String(e)}`);
  }
}

/** Flush every tracker of the run (named instances too) and wait, at most 5 s. */
async function settle(made: Heed[], fail: (m: string) => void): Promise<void> {
  const all = made.flatMap((h) => [h, ...Object.values(h).filter((v): v is Heed => !!v && typeof v === 'object' && typeof (v as Heed).track === 'function')]);
  const flushes = all.map((h) => {
    try {
      return Promise.resolve(h.flush()).catch(() => undefined);
    } catch (e) {
      fail(`flush() threw ${String(e)}`);
      return undefined;
    }
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.all(flushes), new Promise((r) => (timer = setTimeout(r, 5000)))]);
  clearTimeout(timer);
}

/**
 * End what a run's trackers would still do (a retry backoff under a generated broken header, an
 * interval): an opt-out, the one public way to stop a tracker. Not a check: its own throws are not counted.
 */
function stop(made: Heed[]): void {
  for (const h of made) {
    try {
      h.opt_out_tracking({ delete_user: false });
    } catch {
      // the state a run left may break it; the run's own calls were checked already
    }
  }
}

/** Check every item of `requests` against Mixpanel's spec and limits. */
function checkArrived(requests: Recorded[], t: Tally, shown: string[]): void {
  for (const r of requests) {
    if (r.format === 'none') {
      t.invalid++;
      t.problems.push(`a request to ${r.path} Mixpanel cannot decode (no data= of JSON or base64 JSON), after ${shown.join('; ')}`);
      continue;
    }
    for (const item of r.items) {
      t.items++;
      const problems = payloadProblems(kindOf(r.endpoint, item), item);
      if (!problems.length) continue;
      t.invalid++;
      if (t.problems.length < MAX_KEPT) t.problems.push(`${r.endpoint} item invalid (${problems.slice(0, 3).join('; ')}): ${JSON.stringify(item).slice(0, 240)}`);
    }
  }
}
