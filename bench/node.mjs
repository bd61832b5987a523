// Node benchmark of issue 7 (not a test): 20,000 events from heed's Node entry (dist/heed.node.mjs)
// and from the `mixpanel` Node library to one local collector, in the same run. Each SDK runs in
// its own child process, one after the other, so its CPU time and peak RSS are its own.
//
//   npm run bench:node      (builds first)     node bench/node.mjs [--events 20000]
//   options: --warmup N, --sdks heed,mixpanel, --no-profile, --no-suppression, --out FILE (bench/results-node.json),
//            --heed-config JSON (extra init options, e.g. '{"batch_size":1000}'),
//            --heed-module PATH (another build of the Node entry, to try a change)
//
// Then the suppression check (bench/suppression.mjs, issue 17) against a Redis server it starts
// itself (Debian's redis-server on a free port, persistence off), with 10,000 suppressed ids.
//
// Only 127.0.0.1 is contacted (and proxy variables are removed from the children's environment:
// the mixpanel library would otherwise send through HTTP(S)_PROXY).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');

const { values: args } = parseArgs({
  options: {
    child: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    events: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '500' },
    sdks: { type: 'string', default: 'heed,mixpanel' },
    'no-profile': { type: 'boolean', default: false },
    'no-suppression': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(HERE, 'results-node.json') },
    'heed-config': { type: 'string', default: '{}' },
    'heed-module': { type: 'string', default: path.join(ROOT, 'dist/heed.node.mjs') },
    'profile-out': { type: 'string' },
  },
});
const N = Number(args.events);
const WARMUP = Number(args.warmup);

// The same small properties object for both SDKs; `seq` lets the parent count distinct events.
const props = (i) => ({ plan: 'pro', seq: i, price: 9.99, path: '/checkout/payment', coupon: null, first: i === 0 });

if (args.child) await child(args.child);
else await parent();

// ---------------------------------------------------------------------------------------------
/** One SDK in this process: warm-up, then N events, timed from the first track() to the last ack. */
async function child(sdk) {
  const url = new URL(args.url);
  const token = args.token;
  const rssAfterImport = { value: 0 };
  let send; // (event, i) => void
  let drain; // () => Promise<{ ok, failed }>

  if (sdk === 'heed') {
    const { default: heed } = await import(pathToFileURL(path.resolve(args['heed-module'])).href);
    heed.init(token, { ...JSON.parse(args['heed-config']), api_host: url.origin });
    let failed = 0;
    send = (event, i) => heed.track(event, props(i));
    drain = () =>
      heed.flush().then(
        () => ({ failed }),
        (e) => ({ failed: ++failed, error: String(e && e.message) }),
      );
  } else if (sdk === 'mixpanel') {
    const { default: Mixpanel } = await import('mixpanel');
    const mp = Mixpanel.init(token, { host: url.hostname, port: Number(url.port), protocol: 'http' });
    let pending = 0;
    let failed = 0;
    const errors = new Map();
    let wake;
    const done = (err) => {
      if (err) {
        failed++;
        errors.set(err.code || err.message, (errors.get(err.code || err.message) || 0) + 1);
      }
      if (--pending === 0 && wake) wake();
    };
    send = (event, i) => {
      pending++;
      mp.track(event, props(i), done);
    };
    drain = () =>
      new Promise((resolve) => {
        const finish = () => resolve({ failed, errors: Object.fromEntries(errors) });
        if (pending === 0) return finish();
        wake = () => {
          wake = undefined;
          finish();
        };
      });
  } else throw new Error(`unknown SDK ${sdk}`);
  rssAfterImport.value = process.memoryUsage().rss;

  for (let i = 0; i < WARMUP; i++) send('warmup', i);
  await drain();

  let session;
  if (args['profile-out']) {
    const { Session } = await import('node:inspector/promises');
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) send('bench', i);
  const loopMs = performance.now() - t0;
  const result = await drain();
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(args['profile-out'], JSON.stringify(profile));
  }
  process.stdout.write(
    JSON.stringify({
      sdk,
      events: N,
      loopMs,
      totalMs,
      cpuUs: cpu.user + cpu.system,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssAfterImport: rssAfterImport.value,
      maxRss: process.resourceUsage().maxRSS * 1024,
      ...result,
    }) + '\n',
  );
  // The mixpanel library keeps sockets alive; nothing more to wait for.
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
async function parent() {
  const started = Date.now();
  const watchdog = setTimeout(() => {
    console.error('bench:node: gave up after 180 s');
    process.exit(2);
  }, 180_000);
  watchdog.unref();
  const { startCollector } = await import('../collector/dist/index.js');
  const collector = await startCollector({ port: 0, db: ':memory:' });
  const count = collector.db.prepare(
    `SELECT COUNT(*) AS n, COUNT(DISTINCT json_extract(properties, '$.seq')) AS distinct_n FROM events WHERE token = ? AND event = 'bench'`,
  );
  const requests = collector.db.prepare(`SELECT COUNT(*) AS n FROM requests WHERE id > ? AND path IN ('/track', '/track/')`);
  const maxReq = collector.db.prepare('SELECT ifnull(MAX(id), 0) AS id FROM requests');
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];

  const run = (sdk, extraArgs = [], token = `bench-node-${sdk}`) =>
    new Promise((resolve, reject) => {
      const childArgs = ['--child', sdk, '--url', collector.url, '--token', token, '--events', String(N), '--warmup', String(WARMUP),
        '--heed-config', args['heed-config'], '--heed-module', args['heed-module']];
      const p = spawn(process.execPath, [...extraArgs.filter((a) => !a.startsWith('--profile-out')), fileURLToPath(import.meta.url), ...childArgs, ...extraArgs.filter((a) => a.startsWith('--profile-out'))], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      const kill = setTimeout(() => p.kill('SIGKILL'), 120_000);
      p.on('exit', (code) => {
        clearTimeout(kill);
        const line = out.trim().split('\n').pop();
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`${sdk}: child exited ${code} without a result`));
        }
      });
    });

  const results = {};
  try {
    for (const sdk of args.sdks.split(',')) {
      const mark = maxReq.get().id;
      const r = await run(sdk);
      await new Promise((res) => setTimeout(res, 200)); // the collector's last inserts
      const c = count.get(`bench-node-${sdk}`);
      r.delivered = c.distinct_n;
      r.duplicates = c.n - c.distinct_n;
      r.requests = requests.get(mark).n; // warm-up included
      r.eventsPerSec = (r.delivered / r.totalMs) * 1000;
      r.cpuUsPerEvent = r.cpuUs / N;
      results[sdk] = r;
      console.error(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${sdk}: ${Math.round(r.eventsPerSec)} events/s, ${r.cpuUsPerEvent.toFixed(1)} µs CPU/event, ` +
        `max RSS ${(r.maxRss / 2 ** 20).toFixed(0)} MB, ${r.delivered}/${N} delivered in ${r.requests} requests`);
    }

    // Where heed's CPU goes: one more child, profiled from the first track() to the last ack, with
    // inlining off so time stays on the function that spends it (not part of the figures above).
    var profile = null;
    if (!args['no-profile'] && results.heed) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heed-node-prof-'));
      try {
        const file = path.join(dir, 'heed.cpuprofile');
        await run('heed', ['--no-turbo-inlining', '--no-maglev-inlining', `--profile-out=${file}`], 'bench-node-heed-profile');
        if (fs.existsSync(file)) profile = selfTimes(JSON.parse(fs.readFileSync(file, 'utf8')));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    var suppression = args['no-suppression'] ? null : await suppressionBench(env);
  } finally {
    await collector.close();
  }

  const h = results.heed;
  const m = results.mixpanel;
  const ratios = h && m ? { eventsPerSec: h.eventsPerSec / m.eventsPerSec, cpuPerEvent: m.cpuUsPerEvent / h.cpuUsPerEvent, maxRss: m.maxRss / h.maxRss } : null;
  const targets = h && {
    [`heed delivers all ${N}`]: { value: h.delivered, pass: h.delivered === N && !h.duplicates },
    '≥ 20× the mixpanel library\'s events/s': ratios && { value: ratios.eventsPerSec, pass: ratios.eventsPerSec >= 20 },
    '≥ 20× less CPU per event': ratios && { value: ratios.cpuPerEvent, pass: ratios.cpuPerEvent >= 20 },
    'suppression check < 1 µs per event (Redis list of 10,000 ids)': suppression && !suppression.error && { value: suppression.checkUsPerEvent, pass: suppression.checkUsPerEvent < 1 },
    'a suppression reaches another process < 1 s (max of 50)': suppression && !suppression.error && { value: suppression.propagationMs.max, pass: suppression.propagationMs.max < 1000 },
  };
  const out = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, config: { events: N, warmup: WARMUP }, results, ratios, suppression, targets, profile };
  fs.writeFileSync(args.out, JSON.stringify(out, null, 2) + '\n');

  const cols = Object.keys(results);
  const fmt = (v, d = 0) => (v === undefined || v === null ? '–' : typeof v === 'number' ? v.toFixed(d) : String(v));
  const rows = [
    ['events/s (delivered ÷ first track → last ack)', (r) => fmt(r.eventsPerSec), ratios && `${ratios.eventsPerSec.toFixed(1)}× more`],
    ['CPU per event (µs, user + system)', (r) => fmt(r.cpuUsPerEvent, 1), ratios && `${ratios.cpuPerEvent.toFixed(1)}× less`],
    ['wall time for the events (ms)', (r) => fmt(r.totalMs)],
    ['  of which the track() loop (ms)', (r) => fmt(r.loopMs, 1)],
    ['peak RSS (MB)', (r) => fmt(r.maxRss / 2 ** 20), ratios && `${ratios.maxRss.toFixed(1)}× less`],
    ['  RSS after import (MB)', (r) => fmt(r.rssAfterImport / 2 ** 20)],
    [`delivered (of ${N})`, (r) => fmt(r.delivered)],
    ['  duplicates', (r) => fmt(r.duplicates)],
    ['  failed in the SDK', (r) => fmt(r.failed) + (r.errors && Object.keys(r.errors).length ? ` ${JSON.stringify(r.errors)}` : '')],
    ['requests (warm-up included)', (r) => fmt(r.requests)],
  ];
  const table = [['', ...cols, ...(ratios ? ['heed vs mixpanel'] : [])], ...rows.map(([label, f, ratio]) => [label, ...cols.map((c) => f(results[c])), ...(ratios ? [ratio || ''] : [])])];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
  console.log('');
  for (const [i, r] of table.entries()) {
    console.log(r.map((c, j) => (j === 0 ? String(c).padEnd(widths[j]) : String(c).padStart(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  if (suppression && suppression.error) console.log(`\nsuppression check: not measured (${suppression.error})`);
  else if (suppression) {
    const p = suppression;
    console.log(`\nSuppression (Redis list of ${p.suppressedIds} ids vs an empty memory list, ${p.rounds} paired rounds of ${p.events} events):`);
    console.log(`  track() with the Redis list      ${p.trackUsRedisList.toFixed(2)} µs   (empty memory list ${p.trackUsEmptyMemoryList.toFixed(2)} µs)`);
    console.log(`  the check, per event             ${p.checkUsPerEvent.toFixed(2)} µs   (median of the paired differences)`);
    console.log(`  isSuppressed(id) alone           ${p.isSuppressedNs.toFixed(0)} ns`);
    console.log(`  suppress() here → seen elsewhere ${p.propagationMs.median.toFixed(2)} ms median, ${p.propagationMs.max.toFixed(1)} ms max (50 ids)`);
  }
  if (targets) {
    console.log('\nTargets (heed):');
    for (const [name, t] of Object.entries(targets)) if (t) console.log(`  ${t.pass ? 'PASS' : 'FAIL'}  ${name}: ${fmt(t.value, 1)}`);
  }
  if (profile) {
    console.log(`\nheed (Node) self time, first track() → last ack (${profile.totalMs} ms sampled, idle excluded, no inlining):`);
    for (const t of profile.top.slice(0, 15)) console.log(`  ${t.ms.toFixed(1).padStart(8)} ms  ${String(t.pct).padStart(5)}%  ${t.fn}`);
  }
  console.log(`\nwrote ${path.relative(process.cwd(), args.out)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  clearTimeout(watchdog);
}

/** bench/suppression.mjs in a child, against a redis-server of its own; `{ error }` when there is none. */
async function suppressionBench(env) {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const up = await new Promise((resolve) => {
    let out = '';
    redis.on('error', (e) => resolve(e.message));
    redis.stdout.on('data', (d) => (out += d) && /Ready to accept connections/.test(out) && resolve(true));
    setTimeout(() => resolve('redis-server did not start in 10 s'), 10_000).unref();
  });
  try {
    if (up !== true) return { error: `no redis-server: ${up} (apt-get install redis-server)` };
    const p = spawn(process.execPath, [path.join(HERE, 'suppression.mjs'), '--redis', `redis://127.0.0.1:${port}`, '--heed-module', args['heed-module']], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => p.on('exit', resolve));
    try {
      return JSON.parse(out.trim().split('\n').pop());
    } catch {
      return { error: `bench/suppression.mjs exited ${code} without a result` };
    }
  } finally {
    redis.kill('SIGTERM');
  }
}

/** V8 CPU profile → self time per function (ms), biggest first; a built-in is shown with its caller. */
function selfTimes(profile, top = 20) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\//, '') : '';
    return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]);
    if (node.callFrame.functionName === '(idle)') continue;
    let key = label(node);
    const up = parent.get(node.id);
    if (!node.callFrame.url && up !== undefined && byId.get(up).callFrame.functionName !== '(root)') key += ` ← ${label(byId.get(up))}`;
    self.set(key, (self.get(key) || 0) + dt);
    total += dt;
  }
  return {
    totalMs: +total.toFixed(1),
    top: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms: +ms.toFixed(1), pct: +((ms / total) * 100).toFixed(1) })),
  };
}
