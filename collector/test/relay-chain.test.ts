/**
 * heed -> relay -> Mixpanel, every part a real process on real SQLite files: a Node app on the
 * built heed entry (dist/heed.node.mjs, run `npm run build` first), the relay CLI on its spool,
 * and the collector CLI playing Mixpanel with its fault mode. Each scenario counts at the
 * upstream what arrived on the wire (every copy in a 200 answer, not de-duplicated rows): each
 * accepted event exactly once, none with the visitor's IP, and the relay's metrics agreeing.
 *
 * The scenarios run concurrently (each with its own three processes), so the minute-long outage
 * sets the file's duration.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  expectExactlyOnce,
  metric,
  readMetrics,
  runHeed,
  startRelayProcess,
  startUpstream,
  startWiretap,
  stop,
  tempDir,
  upstreamWire,
  waitFor,
  type Proc,
} from './relay-rig';

jest.setTimeout(180_000);

const DIST = path.join(__dirname, '..', '..', 'dist');
/** Quick retries so a scenario ends soon after its fault does; the defaults are checked elsewhere. */
const FAST = ['--retry-base-ms', '100', '--retry-max-ms', '2000', '--upstream-timeout-ms', '2000'];

interface Chain {
  dir: string;
  upstream: Proc;
  relay: Proc;
  fault(fault: object | null): Promise<void>;
  /** Wait until the relay has nothing waiting; then the upstream's wire record. */
  drained(timeoutMs?: number): Promise<Awaited<ReturnType<typeof upstreamWire>>>;
  close(): Promise<void>;
}

async function chain(name: string, relayArgs: string[] = [], quiet = true): Promise<Chain> {
  const dir = tempDir(name);
  const upstream = await startUpstream(dir);
  const relay = await startRelayProcess(dir, upstream.url, [...FAST, ...relayArgs], quiet);
  const c: Chain = {
    dir,
    upstream,
    relay,
    async fault(fault) {
      const reply = await fetch(`${c.upstream.url}/api/faults`, fault ? { method: 'POST', body: JSON.stringify(fault) } : { method: 'DELETE' });
      expect(reply.status).toBe(200);
    },
    async drained(timeoutMs = 30_000) {
      await waitFor(
        `${name}: the spool to drain`,
        async () => metric(await readMetrics(c.relay.url), 'heed_relay_spooled', { endpoint: 'track' }) === 0,
        timeoutMs,
      );
      return upstreamWire(c.upstream.url);
    },
    async close() {
      await Promise.all([stop(c.relay), stop(c.upstream)]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every wire request to the upstream asked it not to use the sender's IP. */
const noIpAsked = (requests: Array<{ query: string }>) => requests.filter((r) => r.query !== 'verbose=1&ip=0');

test.concurrent('the upstream down for a minute: heed is answered throughout, everything arrives once when it is back', async () => {
  const c = await chain('outage', ['--retry-max-ms', '5000']);
  try {
    // About 64 s of tracking: heed sends before, during and after the minute without an upstream.
    const heed = runHeed(c.relay.url, 'outage', 640, 100);
    await waitFor('events upstream before the outage', async () => (await upstreamWire(c.upstream.url)).events.length >= 20);
    const port = new URL(c.upstream.url).port;
    expect(await stop(c.upstream)).toBe(0);
    const downAt = Date.now();

    await sleep(30_000);
    const during = await readMetrics(c.relay.url);
    expect(metric(during, 'heed_relay_spooled', { endpoint: 'track' })).toBeGreaterThan(100);
    expect(metric(during, 'heed_relay_upstream_up', { endpoint: 'track' })).toBe(0);
    expect(metric(during, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: 'network' })).toBeGreaterThan(3);
    expect(await (await fetch(`${c.relay.url}/healthz`)).json()).toMatchObject({ status: 'ok', upstream: 'failing' });

    await sleep(downAt + 60_000 - Date.now());
    const oldest = metric(await readMetrics(c.relay.url), 'heed_relay_oldest_spooled_age_seconds', { endpoint: 'track' });
    expect(oldest).toBeGreaterThanOrEqual(55);
    c.upstream = await startUpstream(c.dir, Number(port));
    const upAt = Date.now();

    await heed.done;
    const wire = await c.drained();
    // The backoff is capped at 5 s here: the spool drains within a few attempts of the upstream's return.
    expect(Date.now() - upAt).toBeLessThan(20_000);
    expectExactlyOnce(wire.events, 'outage', 640);
    expect(wire.delivered).toBe(641); // the 640 and heed's $identify
    expect(wire.copies).toBe(0);
    expect(noIpAsked(wire.requests)).toEqual([]);
    const after = await readMetrics(c.relay.url);
    expect([
      metric(after, 'heed_relay_accepted_total', { endpoint: 'track' }),
      metric(after, 'heed_relay_forwarded_total', { endpoint: 'track' }),
      metric(after, 'heed_relay_spooled', { endpoint: 'track' }),
    ]).toEqual([641, 641, 0]);
    expect(metric(after, 'heed_relay_retries_total', { endpoint: 'track' })).toBeGreaterThan(3);
  } finally {
    await c.close();
  }
});

test.concurrent('flapping 500s: retried until accepted, nothing lost or doubled, errors counted as the upstream saw them', async () => {
  const c = await chain('flap');
  try {
    const heed = runHeed(c.relay.url, 'flap', 1500, 2);
    let flapping = true;
    const flapper = (async () => {
      while (flapping) {
        await c.fault({ mode: '500', count: 2 });
        await sleep(150);
      }
    })();
    await heed.done;
    flapping = false;
    await flapper;
    await c.fault(null);
    const wire = await c.drained();
    expectExactlyOnce(wire.events, 'flap', 1500);
    expect(wire.delivered).toBe(1501);
    expect(wire.copies).toBe(0);
    const failed = wire.requests.filter((r) => r.status === 500).length;
    expect(failed).toBeGreaterThan(2);
    const m = await readMetrics(c.relay.url);
    expect(metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: '500' })).toBe(failed);
    expect(metric(m, 'heed_relay_retries_total', { endpoint: 'track' })).toBe(failed);
    expect(metric(m, 'heed_relay_forwarded_total', { endpoint: 'track' })).toBe(1501);
    expect(noIpAsked(wire.requests)).toEqual([]);
  } finally {
    await c.close();
  }
});

test.concurrent('429 with Retry-After: the relay waits what the upstream says, then delivers', async () => {
  const c = await chain('429');
  try {
    await c.fault({ mode: '429', count: 3, retryAfter: 2 });
    const heed = runHeed(c.relay.url, '429', 300);
    await heed.done;
    const wire = await c.drained();
    expectExactlyOnce(wire.events, '429', 300);
    expect(wire.delivered).toBe(301);
    expect(wire.copies).toBe(0);
    const statuses = wire.requests.map((r) => r.status);
    expect(statuses.slice(0, 4)).toEqual([429, 429, 429, 200]);
    for (let i = 1; i < 4; i++) expect(wire.requests[i]!.at - wire.requests[i - 1]!.at).toBeGreaterThanOrEqual(1950);
    const m = await readMetrics(c.relay.url);
    expect(metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: '429' })).toBe(3);
    expect(metric(m, 'heed_relay_retries_total', { endpoint: 'track' })).toBe(3);
  } finally {
    await c.close();
  }
});

test.concurrent('413: batches are split to what the upstream takes, and stay that size', async () => {
  const c = await chain('413');
  try {
    // Let a backlog build up first, so the relay's batches grow far beyond what the upstream takes.
    await c.fault({ mode: '500' });
    await runHeed(c.relay.url, '413', 1000).done;
    await c.fault({ mode: '413', maxBytes: 30_000 });
    const wire = await c.drained();
    expectExactlyOnce(wire.events, '413', 1000);
    expect(wire.delivered).toBe(1001);
    expect(wire.copies).toBe(0);
    const ok = wire.requests.filter((r) => r.status === 200);
    expect(ok.every((r) => r.bytes <= 30_000)).toBe(true);
    const refused = wire.requests.filter((r) => r.status === 413).length;
    expect(refused).toBeGreaterThan(0);
    // Once learned, the size holds: far fewer refusals than successful requests.
    expect(refused).toBeLessThan(ok.length / 2);
    const m = await readMetrics(c.relay.url);
    expect(metric(m, 'heed_relay_upstream_errors_total', { endpoint: 'track', status: '413' })).toBe(refused);
    expect(metric(m, 'heed_relay_rejected_total', { endpoint: 'track', status: '413' })).toBe(0);
  } finally {
    await c.close();
  }
});

test.concurrent('SIGKILL mid-batch and mid-accept: restarted on its spool, the relay forwards all it had accepted, once', async () => {
  const c = await chain('kill');
  try {
    // The upstream holds every batch without answering: at the kill, one is in flight.
    await c.fault({ mode: 'hang' });
    const port = new URL(c.relay.url).port;
    const heed = runHeed(c.relay.url, 'kill', 3000);
    await waitFor('a third accepted', async () => metric(await readMetrics(c.relay.url), 'heed_relay_accepted_total', { endpoint: 'track' }) >= 1000);
    await waitFor('a batch in flight', async () => (await upstreamWire(c.upstream.url)).requests.some((r) => r.error === 'fault injected: hang'));
    expect(await stop(c.relay, 'SIGKILL')).toBeNull();
    c.relay = await startRelayProcess(c.dir, c.upstream.url, [...FAST, '--port', port]);
    await heed.done; // heed re-sent what the dead relay never answered
    await c.fault(null);
    const wire = await c.drained();
    expectExactlyOnce(wire.events, 'kill', 3000);
    expect(wire.delivered).toBe(3001);
    expect(wire.copies).toBe(0);
    expect(noIpAsked(wire.requests)).toEqual([]);
    const m = await readMetrics(c.relay.url);
    const accepted = metric(m, 'heed_relay_accepted_total', { endpoint: 'track' });
    expect(accepted).toBeLessThan(3001); // the rest came from the first relay's spool
    expect(metric(m, 'heed_relay_forwarded_total', { endpoint: 'track' })).toBe(3001);
  } finally {
    await c.close();
  }
});

test.concurrent('SIGTERM: the batch in flight is finished and the process exits 0; the rest waits in the spool for the next start', async () => {
  const dir = tempDir('term');
  const upstream = await startUpstream(dir);
  const tap = await startWiretap(upstream.url);
  tap.delayMs = 1500;
  let relay = await startRelayProcess(dir, tap.url, FAST, false);
  try {
    const heed = runHeed(relay.url, 'term', 500);
    await heed.done;
    await waitFor('a batch in flight', () => tap.seen.length === 1);
    const inFlight = (JSON.parse(decodeURIComponent(tap.seen[0]!.body.replace(/^data=/, ''))) as unknown[]).length;
    expect(await stop(relay)).toBe(0);
    expect(tap.seen).toHaveLength(1);
    expect((await upstreamWire(upstream.url)).delivered).toBe(inFlight);
    const stopped = relay.logs().find((l) => l.msg === 'relay stopped');
    expect(stopped).toEqual(expect.objectContaining({ spooled: 501 - inFlight }));
    expect(relay.output()).toMatch(/SIGTERM: draining/);

    relay = await startRelayProcess(dir, upstream.url, FAST);
    await waitFor('the rest', async () => metric(await readMetrics(relay.url), 'heed_relay_spooled', { endpoint: 'track' }) === 0);
    const wire = await upstreamWire(upstream.url);
    expectExactlyOnce(wire.events, 'term', 500);
    expect(wire.delivered).toBe(501);
    expect(wire.copies).toBe(0);
  } finally {
    await Promise.all([stop(relay), stop(upstream), tap.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.concurrent('GDPR: heed-privacy --base-url <relay>/api/app deletes upstream and purges the person from the spool', async () => {
  const c = await chain('gdpr');
  try {
    await c.fault({ mode: '500' });
    await Promise.all([runHeed(c.relay.url, 'gdpr', 100).done, runHeed(c.relay.url, 'keep', 50).done]);
    await waitFor('everything spooled', async () => metric(await readMetrics(c.relay.url), 'heed_relay_spooled', { endpoint: 'track' }) === 152);
    const cli = spawn(process.execPath, [path.join(DIST, 'heed-privacy.mjs'), 'delete', '--id', 'person-gdpr', '--base-url', `${c.relay.url}/api/app`, '--wait', '--poll-interval', '0.1', '--json'], {
      env: { ...process.env, MIXPANEL_GDPR_TOKEN: 'heed-dev-gdpr-token', MIXPANEL_PROJECT_TOKEN: 'relay-token' },
    });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await new Promise((resolve) => cli.once('exit', resolve))).toBe(0);
    expect(output).toMatch(/"status":"SUCCESS"/);
    const m = await readMetrics(c.relay.url);
    expect([metric(m, 'heed_relay_purged_total'), metric(m, 'heed_relay_spooled', { endpoint: 'track' })]).toEqual([101, 51]);
    await c.fault(null);
    const wire = await c.drained();
    expect(wire.events.filter((e) => e.properties.run === 'gdpr' || e.distinct_id === 'person-gdpr')).toEqual([]);
    expectExactlyOnce(wire.events, 'keep', 50);
    expect(wire.delivered).toBe(51);
    expect(wire.copies).toBe(0);
    const tasks = (await (await fetch(`${c.upstream.url}/api/tasks`)).json()).tasks;
    expect(tasks).toEqual([expect.objectContaining({ kind: 'deletion', status: 'SUCCESS', distinct_ids: ['person-gdpr'], token: 'relay-token' })]);
  } finally {
    await c.close();
  }
});
