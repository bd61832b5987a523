// Relay throughput (a benchmark, not a test): 200,000 events posted to the relay the way browsers
// post them (mixpanel-browser batches of 50, form `data=` JSON), while the relay commits them to
// its SQLite spool (WAL, group commit, fdatasync before each answer) and
// forwards them to a collector playing Mixpanel. Relay and upstream are real child processes,
// started from collector/dist as `npm run collector` starts them.
//
//   npm run bench:relay -- [--events N] [--batch N] [--rate N | --rate 0 --concurrency N] [--runs N] [--no-forward]
//
// --rate (default 20000 events/s, the target): requests leave on a fixed schedule whatever the
// answers, and each latency is counted from the moment its request was due, so a relay that falls
// behind shows it in p99 instead of slowing the load (no coordinated omission). --rate 0: as many
// as --concurrency connections (default 16) allow, one request each at a time: the maximum rate.
//
// Prints, per run and as the median of the runs: accepted events/s (first request due to last 200
// received), forwarded events/s (first request due to the upstream confirming the last event),
// p50/p99/max accept latency, the relay's peak RSS and its CPU time per event (all its threads,
// startup included). The request bodies are built before the
// clock starts; the load generator, the relay and the upstream share this machine's cores.
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '50' },
    rate: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    runs: { type: 'string', default: '1' },
    'no-forward': { type: 'boolean', default: false },
  },
});
/** Accepting alone: the relay's upstream is a closed port and its first retry an hour away. */
const NO_FORWARD = values['no-forward'];
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const RATE = Number(values.rate);
const CONCURRENCY = Number(values.concurrency);
const RUNS = Number(values.runs);
const TOKEN = 'bench-project-token';
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'collector', 'dist', 'cli.js');

const names = ['Page View', 'Signed Up', 'Added To Cart', 'Checkout Started', 'Video Played'];
const browsers = ['Chrome', 'Firefox', 'Safari', 'Edge'];

/** An event shaped like what mixpanel-browser and heed send: default properties plus a few custom ones. */
function makeEvent(i) {
  const device = randomUUID();
  return {
    event: names[i % names.length],
    properties: {
      token: TOKEN,
      time: Date.now(),
      distinct_id: `$device:${device}`,
      $device_id: device,
      $insert_id: randomUUID(),
      mp_lib: 'web',
      $lib_version: '2.83.0',
      $os: i % 3 ? 'Mac OS X' : 'Windows',
      $browser: browsers[i % browsers.length],
      $browser_version: 120 + (i % 7),
      $current_url: `https://shop.example/products/${i % 97}?ref=bench`,
      $referrer: 'https://www.example.org/',
      $screen_height: 1080,
      $screen_width: 1920,
      plan: i % 5 ? 'free' : 'pro',
      cart_value: Math.round(i * 13.7) / 100,
    },
  };
}

/** A collector CLI process; `nice` lowers its CPU priority (os.setPriority). */
function start(args, nice = 0) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (nice) os.setPriority(child.pid, nice);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/[\w.:-]+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

/** One POST; a reset on a reused keep-alive socket is sent again at once, as browsers do. */
function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('aborted', () => reject(new Error('answer cut off')));
    });
    req.on('error', (error) => (req.reusedSocket && error.code === 'ECONNRESET' ? post(agent, url, body).then(resolve, reject) : reject(error)));
    req.end(body);
  });
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Peak resident set of a process (Linux), in MiB. */
function peakRss(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** CPU seconds a process used so far, all threads (Linux: utime + stime in clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Each request leaves when due (every BATCH / RATE s); its latency counts from then. */
function scheduled(agent, target, bodies, latencies, t0) {
  const every = (BATCH / RATE) * 1000;
  let sent = 0;
  let answered = 0;
  return new Promise((resolve, reject) => {
    // A request still unanswered a minute after the last was sent is a failure, not a long wait.
    const watchdog = setInterval(() => {
      if (sent === bodies.length && performance.now() - (t0 + sent * every) > 60_000) {
        clearInterval(watchdog);
        reject(new Error(`${bodies.length - answered} requests unanswered a minute after the last was sent`));
      }
    }, 1000);
    watchdog.unref();
    const tick = () => {
      while (sent < bodies.length && t0 + sent * every <= performance.now()) {
        const due = t0 + sent * every;
        post(agent, target, bodies[sent++]).then(() => {
          latencies.push(performance.now() - due);
          if (++answered === bodies.length) {
            clearInterval(watchdog);
            resolve();
          }
        }, reject);
      }
      if (sent < bodies.length) setTimeout(tick, 1);
    };
    tick();
  });
}

/** CONCURRENCY connections, each sending its next request when the last was answered. */
async function closedLoop(agent, target, bodies, latencies) {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const sent = performance.now();
      await post(agent, target, body);
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function run() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heed-relay-bench-'));
  // The upstream stands in for Mixpanel's servers, which share neither the relay's cores nor its
  // disk: at the lowest priority it uses what the relay and the load leave, and its database is in
  // memory-backed /dev/shm (where there is one), so its writes do not slow the spool's fsyncs.
  const upstreamDir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'heed-relay-bench-upstream-'));
  const upstream = await start(['--port', '0', '--db', path.join(upstreamDir, 'upstream.db'), '--quiet'], 19);
  const forwardTo = NO_FORWARD ? ['--upstream', 'http://127.0.0.1:9', '--retry-base-ms', '3600000', '--retry-max-ms', '3600000'] : ['--upstream', upstream.url];
  const relay = await start([...forwardTo, '--port', '0', '--spool', path.join(dir, 'spool.db'), '--quiet']);
  const bodies = [];
  for (let i = 0; i < EVENTS; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) => makeEvent(i + j));
    bodies.push(`data=${encodeURIComponent(JSON.stringify(batch))}`);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: RATE > 0 ? 1024 : CONCURRENCY });
  const target = `${relay.url}/track/?verbose=1&ip=1`;
  const latencies = [];
  const t0 = performance.now();
  if (RATE > 0) await scheduled(agent, target, bodies, latencies, t0);
  else await closedLoop(agent, target, bodies, latencies);
  const accepted = performance.now() - t0;
  const forwardedName = 'heed_relay_forwarded_total{endpoint="track"}';
  while (!NO_FORWARD && (await metric(relay.url, forwardedName)) < EVENTS) await new Promise((r) => setTimeout(r, 50));
  const forwarded = NO_FORWARD ? NaN : performance.now() - t0;
  const rss = peakRss(relay.child.pid);
  const cpu = cpuSeconds(relay.child.pid);
  const stored = await (await fetch(`${upstream.url}/api/requests?path=/track`)).json();
  const onWire = stored.requests.filter((r) => r.status === 200).reduce((n, r) => n + r.items, 0);
  agent.destroy();
  for (const p of [relay, upstream]) {
    p.child.kill('SIGTERM');
    await new Promise((r) => p.child.once('exit', r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(upstreamDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    acceptedPerSec: EVENTS / (accepted / 1000),
    forwardedPerSec: EVENTS / (forwarded / 1000),
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1),
    rssMiB: rss,
    cpuUsPerEvent: (cpu / EVENTS) * 1e6,
    onWire,
    upstreamRequests: stored.requests.length,
  };
}

const round = (n) => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const results = [];
const load = RATE > 0 ? `offered at ${RATE.toLocaleString('en-US')} events/s` : `${CONCURRENCY} connections, as fast as answered`;
console.log(
  `relay benchmark: ${EVENTS.toLocaleString('en-US')} events, ${BATCH} per request, ${load}, ${os.cpus().length} cores` +
    (NO_FORWARD ? ', forwarding off (accepting only)' : ''),
);
for (let i = 0; i < RUNS; i++) {
  const r = await run();
  results.push(r);
  const wire = NO_FORWARD ? 'nothing forwarded' : `upstream got ${r.onWire.toLocaleString('en-US')} events on the wire in ${r.upstreamRequests} requests`;
  console.log(
    `run ${i + 1}: accepted ${round(r.acceptedPerSec)} events/s, forwarded ${round(r.forwardedPerSec)} events/s, ` +
      `accept latency p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms max ${r.max.toFixed(1)} ms, relay peak RSS ${r.rssMiB.toFixed(0)} MiB, relay CPU ${r.cpuUsPerEvent.toFixed(0)} µs/event, ${wire}`,
  );
  if (!NO_FORWARD && r.onWire !== EVENTS) throw new Error(`expected ${EVENTS} events on the wire, the upstream counted ${r.onWire}`);
}
if (RUNS > 1) {
  const median = (key) => results.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  console.log(
    `median of ${RUNS}: accepted ${round(median('acceptedPerSec'))} events/s, forwarded ${round(median('forwardedPerSec'))} events/s, ` +
      `p99 ${median('p99').toFixed(1)} ms, relay peak RSS ${median('rssMiB').toFixed(0)} MiB, relay CPU ${median('cpuUsPerEvent').toFixed(0)} µs/event`,
  );
}
