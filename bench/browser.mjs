// Browser benchmark of issue 7 (not a test): heed, mixpanel-browser and posthog-js side by side in
// ONE Chromium run, plus the issue's "bare floor". See bench/README.md for the method.
//
//   npm run bench            (builds first)     node bench/browser.mjs [--runs 3] [--events 10000]
//   options: --warmup N, --window MS (delivery window, 10000), --sdks a,b,... , --no-profile,
//            --out FILE (bench/results.json)
//
// Everything talks to 127.0.0.1 only: the collector (pages, bundles, /track) and a tiny posthog
// sink; Chromium resolves every other host name to "not found".
import { brotliCompressSync, constants as zc, gunzipSync, gzipSync } from 'node:zlib';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { startCollector } from '../collector/dist/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');
const started = Date.now();

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' }, // for the peers (each takes ~20 s)
    'fast-runs': { type: 'string', default: '5' }, // for heed and the floors (a few seconds each)
    events: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '500' },
    window: { type: 'string', default: '10000' },
    sdks: { type: 'string', default: 'floor,floor+send,heed,mixpanel-browser,posthog-js' },
    'no-profile': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(HERE, 'results.json') },
    budget: { type: 'string', default: '170' }, // seconds; later runs are skipped past it
    'loop-cap': { type: 'string', default: '5000' }, // ms; a slower tracker stops its loop early
  },
});
const RUNS = Number(args.runs);
const FAST_RUNS = Math.max(RUNS, Number(args['fast-runs']));
const runsFor = (sdk) => (PEERS.includes(sdk) ? RUNS : FAST_RUNS);
const N = Number(args.events);
const WARMUP = Number(args.warmup);
const WINDOW = Number(args.window);
const SDKS = args.sdks.split(',');
const BUDGET = Number(args.budget) * 1000;
const LOOP_CAP = Number(args['loop-cap']);
const PEERS = ['mixpanel-browser', 'posthog-js'];
const FLOORS = ['floor', 'floor+send'];

const CHROMIUM = process.env.HEED_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Only this machine: any other host (a CDN, an SDK's default endpoint) fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

// A hard stop, whatever happens (a hung browser must not hang CI or a shell).
const watchdog = setTimeout(() => {
  console.error('bench: gave up after 240 s');
  process.exit(2);
}, 240_000);
watchdog.unref();

const log = (...a) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Bundles: one per SDK for the page (IIFE, minified), an unminified heed for the CPU profile,
// and the size entries (import + init + track, ESM, minified, then gzip / brotli).
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'heed-bench-'));
// Any name with a bench/pages/sdk/<name>.mjs adapter can be passed in --sdks (e.g. a variant of heed).
const BUNDLED = SDKS.filter((s) => !FLOORS.includes(s));
const common = { bundle: true, platform: 'browser', target: 'es2020', logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' } };
await Promise.all([
  ...BUNDLED.map((sdk) =>
    esbuild.build({ ...common, entryPoints: [path.join(HERE, 'pages/sdk', sdk + '.mjs')], format: 'iife', minify: true, outfile: path.join(buildDir, sdk + '.js') }),
  ),
  esbuild.build({ ...common, entryPoints: [path.join(HERE, 'pages/sdk/heed.mjs')], format: 'iife', minify: false, outfile: path.join(buildDir, 'heed.profile.js') }),
]);

function sizes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length,
  };
}
const bundleSize = {};
for (const sdk of BUNDLED) {
  if (!fs.existsSync(path.join(HERE, 'pages/size', sdk + '.mjs'))) continue;
  const out = await esbuild.build({ ...common, entryPoints: [path.join(HERE, 'pages/size', sdk + '.mjs')], format: 'esm', minify: true, write: false });
  bundleSize[sdk] = sizes(out.outputFiles[0].contents);
}
const iifeSize = sizes(fs.readFileSync(path.join(ROOT, 'dist/heed.iife.min.js')));

// ---------------------------------------------------------------------------------------------
// Servers: the collector (pages, bundles, Mixpanel /track for heed, mixpanel-browser and the
// floor) and a tiny sink for posthog's /e/ (gzip or plain JSON), counting events per token.
const collector = await startCollector({
  port: 0,
  db: ':memory:',
  static: { '/pages/': path.join(HERE, 'pages'), '/build/': buildDir },
});
const countStmt = collector.db.prepare('SELECT COUNT(*) AS n, MAX(received_at) AS last FROM events WHERE id > ? AND token = ? AND event = ?');
const maxIdStmt = collector.db.prepare('SELECT ifnull(MAX(id), 0) AS id FROM events');
const itemsStmt = collector.db.prepare(`SELECT COUNT(*) AS requests, ifnull(SUM(items), 0) AS items FROM requests
  WHERE id > ? AND method = 'POST' AND path IN ('/track', '/track/')`);
const maxReqStmt = collector.db.prepare('SELECT ifnull(MAX(id), 0) AS id FROM requests');

const sinkEvents = new Map(); // `${token}\n${event}` -> { uuids: Set, items, last }
function sinkRecord(item) {
  if (!item || typeof item !== 'object') return;
  const token = (item.properties && item.properties.token) || item.api_key || item.token || '';
  const key = `${token}\n${item.event}`;
  let entry = sinkEvents.get(key);
  if (!entry) sinkEvents.set(key, (entry = { uuids: new Set(), items: 0, last: 0 }));
  entry.items++;
  entry.uuids.add(item.uuid || `${entry.items}`);
  entry.last = Date.now();
}
function sinkDecode(body) {
  if (body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
  let text = body.toString('utf8');
  if (text.startsWith('data=')) {
    text = decodeURIComponent(text.slice(5).replace(/\+/g, ' '));
    if (!/^[[{]/.test(text)) text = Buffer.from(text, 'base64').toString('utf8');
  }
  const json = JSON.parse(text);
  return Array.isArray(json) ? json : Array.isArray(json.batch) ? json.batch : [json];
}
let sinkRequests = 0;
const sink = http.createServer((req, res) => {
  const cors = {
    'Access-Control-Allow-Origin': req.headers.origin || '*',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '*',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  };
  if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    try {
      if (req.method === 'POST') sinkRequests++;
      if (req.method === 'POST') for (const item of sinkDecode(Buffer.concat(chunks))) sinkRecord(item);
    } catch {
      status = 400;
    }
    res.writeHead(status, { ...cors, 'Content-Type': 'application/json' }).end('{"status":1}');
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const SINK_PORT = sink.address().port;

const PAGE = `http://127.0.0.1:${collector.port}/pages/bench.html`;
// The ingestion hosts are "localhost": cross-origin to the page, as on a real site.
const apiHostFor = (sdk) => (sdk === 'posthog-js' ? `http://localhost:${SINK_PORT}` : `http://localhost:${collector.port}`);
const isIngest = (sdk, url, method) => {
  const u = new URL(url);
  if (sdk === 'posthog-js') return u.port === String(SINK_PORT) && method === 'POST';
  return u.port === String(collector.port) && /^\/(track|engage|groups)\/?$/.test(u.pathname) && method !== 'OPTIONS';
};

/** Events of `event` for `token` that arrived after event id `since` (collector) or ever (sink). */
function delivered(sdk, token, event, since) {
  if (sdk === 'posthog-js') {
    const e = sinkEvents.get(`${token}\n${event}`);
    return { n: e ? e.uuids.size : 0, items: e ? e.items : 0, last: e ? e.last : null };
  }
  const r = countStmt.get(since, token, event);
  return { n: r.n, last: r.last };
}

async function until(check, ms, every = 50) {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= end) return false;
    await sleep(every);
  }
}

// ---------------------------------------------------------------------------------------------
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
const chromiumVersion = browser.version();
// A desktop Chrome user agent for every context: posthog-js drops events from user agents it takes
// for bots, "HeadlessChrome" included, and no SDK should be measured in a special mode.
const USER_AGENT = await (async () => {
  const p = await browser.newPage();
  const ua = await p.evaluate(() => navigator.userAgent);
  await p.close();
  return ua.replace('HeadlessChrome/', 'Chrome/');
})();
const metricMap = (m) => Object.fromEntries(m.metrics.map((x) => [x.name, x.value]));

async function openPage(sdk, bundle, b = browser) {
  const context = await b.newContext({ userAgent: USER_AGENT });
  const page = await context.newPage();
  const requests = [];
  const failed = [];
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), at: Date.now() }));
  page.on('requestfailed', (r) => failed.push({ url: r.url(), method: r.method(), at: Date.now(), error: r.failure()?.errorText }));
  page.on('pageerror', (e) => log(`${sdk}: page error: ${e.message}`));
  await page.goto(PAGE);
  if (bundle) await page.addScriptTag({ url: `/build/${bundle}.js` });
  return { context, page, requests, failed };
}

/** One SDK, one fresh browser context: init, warm-up, the timed loop, delivery, responsiveness. */
async function measure(sdk, run) {
  const token = `bench-${sdk.replace(/[^a-z]+/g, '')}-${run}`;
  const { context, page, requests, failed } = await openPage(sdk, FLOORS.includes(sdk) ? null : sdk);
  let crashed = false;
  page.on('crash', () => (crashed = true));
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable'); // wall-clock task time of the page's main thread
    const since0 = maxIdStmt.get().id;
    await page.evaluate((c) => window.bench.init(c), { sdk, token, apiHost: apiHostFor(sdk) });
    await bounded(page.evaluate((n) => window.bench.warmup(n), WARMUP), 30000, 'warm-up');
    const sends = sdk !== 'floor';
    const warmDrained = sends ? await until(() => delivered(sdk, token, 'warmup', since0).n >= WARMUP, 8000, 100) : true;
    await sleep(300); // let the warm-up's responses settle

    const mark = requests.length;
    const since = maxIdStmt.get().id;
    const reqMark = maxReqStmt.get().id;
    const sinkMark = sinkRequests;
    const m0 = metricMap(await cdp.send('Performance.getMetrics'));
    const loop = await bounded(page.evaluate(([n, cap]) => window.bench.loop(n, cap), [N, LOOP_CAP]), LOOP_CAP + 30000, 'loop');
    let got = { n: 0, last: null };
    let all = false;
    if (sends) {
      all = await until(() => (got = delivered(sdk, token, 'bench', since)).n >= loop.calls, Math.max(0, loop.start + WINDOW - Date.now()), 100);
      got = delivered(sdk, token, 'bench', since);
    }
    const drainedAt = all ? got.last : null;
    // Main-thread time: from just before the loop to the drain (+0.5 s for the last responses),
    // or to the end of the delivery window when not everything arrived.
    if (all || !sends) await sleep(500);
    const serverSide = sdk === 'posthog-js' ? { requests: sinkRequests - sinkMark } : sends ? itemsStmt.get(reqMark) : { requests: 0 };
    // A page still busy after the window answers neither DevTools nor timers: it is "frozen", and
    // its main-thread time is at least the time since the loop started.
    let m1 = null;
    let responsive = { timeoutMs: null, rafMs: null, frozen: true };
    let longTasks = { count: null, totalMs: null, maxMs: null };
    const asked = Date.now();
    try {
      m1 = metricMap(await bounded(cdp.send('Performance.getMetrics'), 5000, 'metrics'));
      responsive = { ...(await bounded(page.evaluate(() => window.bench.responsiveness()), 5000, 'responsiveness')), frozen: false };
      longTasks = await bounded(page.evaluate((s) => window.bench.longTasks(s), loop.t0 - 10), 5000, 'long tasks');
    } catch (e) {
      log(`run ${run} ${sdk}: ${e.message}`);
    }
    const windowEnd = loop.start + WINDOW;
    const ingest = requests.slice(mark).filter((r) => r.at <= windowEnd && isIngest(sdk, r.url, r.method));
    const ingestFailed = failed.filter((r) => r.at >= loop.start && r.at <= windowEnd && isIngest(sdk, r.url, r.method));
    const other = requests
      .filter((r) => !isIngest(sdk, r.url, r.method) && !/\/(pages|build)\//.test(new URL(r.url).pathname))
      .map((r) => `${r.method} ${r.url.replace(/\?.*/, '')}`);
    // Duplicates: items the server received in the window beyond the distinct events that arrived
    // (warm-up stragglers arriving in the window are distinct events too).
    let duplicates = 0;
    let itemsReceived = 0;
    if (sdk === 'posthog-js') {
      itemsReceived = delivered(sdk, token, 'bench').items;
      duplicates = itemsReceived - delivered(sdk, token, 'bench').n;
    } else if (sends) {
      itemsReceived = itemsStmt.get(reqMark).items;
      duplicates = itemsReceived - delivered(sdk, token, 'bench', since).n - delivered(sdk, token, 'warmup', since).n;
    }
    return {
      sdk,
      run,
      usPerTrack: (loop.ms * 1000) / loop.calls,
      loopMs: loop.ms,
      // Below N when the loop hit --loop-cap: the tracker could not do N calls in that time.
      calls: loop.calls,
      mainThreadMs: m1 ? (m1.TaskDuration - m0.TaskDuration) * 1000 : null,
      // When frozen: the main thread was busy at least from the loop until we gave up asking.
      mainThreadAtLeastMs: m1 ? null : Math.round(asked + 5000 - loop.start),
      scriptMs: m1 ? (m1.ScriptDuration - m0.ScriptDuration) * 1000 : null,
      heapUsedMB: m1 ? m1.JSHeapUsedSize / 2 ** 20 : null,
      requests: sends ? ingest.length : 0,
      // Ingestion requests that reached the server in the window (the collector's log, or the sink).
      requestsReceived: serverSide.requests,
      // Requests the browser reported failed (e.g. keepalive quota: "net::ERR_..." / Failed to fetch).
      requestsFailed: ingestFailed.length,
      failedErrors: [...new Set(ingestFailed.map((r) => r.error))],
      delivered: sends ? got.n : 0,
      itemsReceived,
      duplicates,
      allDeliveredMs: drainedAt ? Math.round(drainedAt - loop.start) : null,
      warmupDrained: warmDrained,
      responsive,
      // Long tasks the SDK scheduled (the loop itself runs from DevTools and is not reported).
      longTasks,
      otherRequests: [...new Set(other)],
    };
  } catch (e) {
    const error = crashed ? 'renderer crashed' : String(e.message || e).split('\n')[0];
    log(`run ${run} ${sdk}: ${error}`);
    return { sdk, run, error };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** A page call that may never come back (a frozen or crashed renderer) must not hang the bench. */
function bounded(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** V8 CPU profile → self time per function (ms), biggest first. */
/**
 * V8 CPU profile → self time per function (ms), biggest first. `inLoop` true keeps the samples
 * taken inside the harness's loop() (that is, inside track() calls), false the others. A native
 * or built-in function (no script URL) is shown with its caller: `fetch ← post`.
 */
function selfTimes(profile, inLoop, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\//, '') : '';
    return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
  };
  const underLoop = new Map();
  const isUnderLoop = (id) => {
    if (underLoop.has(id)) return underLoop.get(id);
    const n = byId.get(id);
    const f = n.callFrame;
    const v = (f.functionName === 'loop' && f.url.endsWith('harness.js')) || (parent.has(id) && isUnderLoop(parent.get(id)));
    underLoop.set(id, v);
    return v;
  };
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    if (f.functionName === '(idle)' || isUnderLoop(node.id) !== inLoop) continue;
    let key = label(node);
    if (!f.url && parent.has(node.id) && byId.get(parent.get(node.id)).callFrame.functionName !== '(root)') key += ` ← ${label(byId.get(parent.get(node.id)))}`;
    self.set(key, (self.get(key) || 0) + dt);
    total += dt;
  }
  return {
    totalMs: +total.toFixed(2),
    top: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms: +ms.toFixed(2), pct: +((ms / total) * 100).toFixed(1) })),
  };
}

/**
 * heed's track() and its sending, profiled: an unminified bundle in a second Chromium whose V8
 * does not inline (so time lands on the function that spends it, not on its caller). Not part of
 * the timed runs; its absolute times are inflated by the profiler.
 */
async function profileHeed() {
  const token = 'bench-heed-profile';
  const pb = await chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, '--js-flags=--no-turbo-inlining --no-maglev-inlining'], headless: true });
  const { context, page } = await openPage('heed', 'heed.profile', pb);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await page.evaluate((c) => window.bench.init(c), { sdk: 'heed', token, apiHost: apiHostFor('heed') });
    const since0 = maxIdStmt.get().id;
    await page.evaluate((n) => window.bench.warmup(n), WARMUP);
    await until(() => delivered('heed', token, 'warmup', since0).n >= WARMUP, 8000, 100);
    await sleep(300);
    const since = maxIdStmt.get().id;
    await cdp.send('Profiler.start');
    const loop = await page.evaluate(([n, cap]) => window.bench.loop(n, cap), [N, LOOP_CAP]);
    const { profile: loopProfile } = await cdp.send('Profiler.stop');
    await cdp.send('Profiler.start');
    await until(() => delivered('heed', token, 'bench', since).n >= N, Math.max(0, loop.start + WINDOW - Date.now()), 100);
    await sleep(500);
    const { profile: sendProfile } = await cdp.send('Profiler.stop');
    return {
      loopMsUnderProfiler: loop.ms,
      track: selfTimes(loopProfile, true),
      // Outside track(): timers, promise callbacks, IndexedDB and network events until drained.
      afterLoop: selfTimes({ ...sendProfile, nodes: sendProfile.nodes }, false),
      afterLoopTail: selfTimes(loopProfile, false),
    };
  } finally {
    await context.close().catch(() => undefined);
    await pb.close();
  }
}

// ---------------------------------------------------------------------------------------------
const results = [];
let skipped = 0;
try {
  log(`Chromium ${chromiumVersion}; ${RUNS} run(s) of each peer, ${FAST_RUNS} of heed and the floors; ${SDKS.join(', ')}; ${N} events, warm-up ${WARMUP}`);
  for (let run = 1; run <= FAST_RUNS; run++) {
    // Rotate the order each run so no SDK always goes first (or right after a slow one).
    const order = SDKS.slice((run - 1) % SDKS.length).concat(SDKS.slice(0, (run - 1) % SDKS.length));
    for (const sdk of order) {
      if (run > runsFor(sdk)) continue;
      if (run > 1 && Date.now() - started > BUDGET) {
        skipped++;
        continue;
      }
      const r = await measure(sdk, run);
      results.push(r);
      if (r.error) continue;
      log(`run ${run} ${sdk}: ${r.usPerTrack.toFixed(2)} µs/track (${r.calls} calls), main thread ` +
        (r.mainThreadMs !== null ? `${r.mainThreadMs.toFixed(1)} ms` : `≥ ${r.mainThreadAtLeastMs} ms (frozen)`) +
        `, ${r.requests} requests, ${r.delivered}/${r.calls} delivered` + (r.allDeliveredMs !== null ? ` in ${r.allDeliveredMs} ms` : '') +
        (r.responsive.frozen ? ', page frozen' : `, setTimeout(0) ${r.responsive.timeoutMs.toFixed(1)} ms`));
    }
  }
  var profile = args['no-profile'] ? null : await profileHeed();
} finally {
  await browser.close();
  await collector.close();
  sink.close();
  fs.rmSync(buildDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
const summary = {};
for (const sdk of SDKS) {
  const rs = results.filter((r) => r.sdk === sdk && !r.error);
  const errors = results.filter((r) => r.sdk === sdk && r.error).map((r) => `run ${r.run}: ${r.error}`);
  if (!rs.length) {
    if (errors.length) summary[sdk] = { runs: 0, errors };
    continue;
  }
  summary[sdk] = {
    runs: rs.length,
    errors,
    calls: Math.min(...rs.map((r) => r.calls)),
    usPerTrack: median(rs.map((r) => r.usPerTrack)),
    // null when any run froze the page (then see mainThreadAtLeastMs).
    mainThreadMs: rs.some((r) => r.mainThreadMs === null) ? null : median(rs.map((r) => r.mainThreadMs)),
    mainThreadAtLeastMs: rs.some((r) => r.mainThreadMs === null) ? Math.min(...rs.map((r) => r.mainThreadAtLeastMs ?? r.mainThreadMs)) : null,
    frozenRuns: rs.filter((r) => r.responsive.frozen).length,
    scriptMs: median(rs.map((r) => r.scriptMs)),
    requests: median(rs.map((r) => r.requests)),
    requestsReceived: median(rs.map((r) => r.requestsReceived)),
    requestsFailed: median(rs.map((r) => r.requestsFailed)),
    failedErrors: [...new Set(rs.flatMap((r) => r.failedErrors))],
    delivered: Math.min(...rs.map((r) => r.delivered)),
    // Delivered ÷ calls made, worst run (a capped loop makes fewer than N calls).
    deliveredShare: Math.min(...rs.map((r) => (r.calls ? r.delivered / r.calls : 0))),
    duplicates: Math.max(...rs.map((r) => r.duplicates)),
    allDeliveredMs: rs.every((r) => r.allDeliveredMs !== null) ? median(rs.map((r) => r.allDeliveredMs)) : null,
    setTimeout0Ms: rs.some((r) => r.responsive.frozen) ? null : Math.max(...rs.map((r) => r.responsive.timeoutMs)),
    rafMs: rs.some((r) => r.responsive.rafMs === null) ? null : Math.max(...rs.map((r) => r.responsive.rafMs)),
    longTaskMaxMs: rs.some((r) => r.longTasks.maxMs === null) ? null : Math.max(...rs.map((r) => r.longTasks.maxMs)),
    longTaskTotalMs: median(rs.map((r) => r.longTasks.totalMs)),
    bundleBrotli: bundleSize[sdk] ? bundleSize[sdk].brotli : null,
    otherRequests: [...new Set(rs.flatMap((r) => r.otherRequests))],
  };
}
const h = summary.heed;
const ratios = {};
if (h) {
  for (const peer of PEERS.filter((p) => summary[p])) {
    const p = summary[peer];
    ratios[peer] = {
      // peer ÷ heed: how many times faster / lighter / smaller heed is.
      usPerTrack: p.usPerTrack / h.usPerTrack,
      mainThreadMs: (p.mainThreadMs ?? p.mainThreadAtLeastMs) / h.mainThreadMs,
      mainThreadIsLowerBound: p.mainThreadMs === null || p.frozenRuns > 0,
      bundleBrotli: p.bundleBrotli / h.bundleBrotli,
    };
  }
}
const floor = summary.floor;
const floorSend = summary['floor+send'];
const targets = h && {
  'µs per track() ≤ 2.5': { value: h.usPerTrack, pass: h.usPerTrack <= 2.5 },
  "main-thread time ≤ 2× the floor's (queue only)": floor && { value: h.mainThreadMs / floor.mainThreadMs, pass: h.mainThreadMs <= 2 * floor.mainThreadMs },
  "main-thread time ≤ 2× the floor's (queue + send)": floorSend && { value: h.mainThreadMs / floorSend.mainThreadMs, pass: h.mainThreadMs <= 2 * floorSend.mainThreadMs },
  [`all ${N} delivered within ${WINDOW / 1000} s`]: { value: h.delivered, pass: h.delivered >= N },
  [`≤ ${N / 50} requests`]: { value: Math.max(h.requests, h.requestsReceived), pass: Math.max(h.requests, h.requestsReceived) <= N / 50 },
  'responsive afterwards (setTimeout(0) < 50 ms, rAF < 100 ms)': {
    value: [h.setTimeout0Ms, h.rafMs],
    pass: !h.frozenRuns && h.setTimeout0Ms < 50 && h.rafMs !== null && h.rafMs < 100,
  },
  'bundle (import + init + track) ≤ 6 KB brotli': { value: h.bundleBrotli, pass: h.bundleBrotli <= 6 * 1024 },
};

const out = {
  date: new Date().toISOString(),
  chromium: chromiumVersion,
  node: process.version,
  cpus: os.cpus().length,
  config: { runs: RUNS, fastRuns: FAST_RUNS, events: N, warmup: WARMUP, windowMs: WINDOW, skippedForBudget: skipped },
  summary,
  ratios,
  targets,
  bundleSize: { ...bundleSize, 'heed.iife.min.js': iifeSize },
  profile,
  runs: results,
};
fs.writeFileSync(args.out, JSON.stringify(out, null, 2) + '\n');

// ---------------------------------------------------------------------------------------------
const cols = SDKS.filter((s) => summary[s]);
const fmt = (v, d = 1) => (v === null || v === undefined ? '–' : typeof v === 'number' ? v.toFixed(d) : String(v));
const kb = (b) => (b === null || b === undefined ? '–' : (b / 1024).toFixed(1) + ' KB');
const rows = [
  ['µs per track()', (s) => fmt(s.usPerTrack, 2), 'usPerTrack'],
  [`track() calls done (of ${N}, ${LOOP_CAP / 1000} s cap)`, (s) => fmt(s.calls, 0)],
  // A page still frozen at the end of the window was busy at least that long: shown as "≥".
  ['main thread, loop → drained (ms)', (s) => (s.mainThreadMs === null && s.mainThreadAtLeastMs ? `≥ ${s.mainThreadAtLeastMs}` : (s.frozenRuns ? '≥ ' : '') + fmt(s.mainThreadMs, 1)), 'mainThreadMs'],
  ['  of which script (ms)', (s) => fmt(s.scriptMs, 1)],
  [`requests (≤ ${WINDOW / 1000} s)`, (s) => fmt(s.requests, 0)],
  ['  received by the server', (s) => fmt(s.requestsReceived, 0)],
  ['  reported failed by the browser', (s) => fmt(s.requestsFailed, 0)],
  [`delivered (≤ ${WINDOW / 1000} s, worst run)`, (s) => (s.delivered === undefined ? '–' : `${s.delivered} / ${s.calls}`)],
  ['  duplicates (worst run)', (s) => fmt(s.duplicates, 0)],
  ['all delivered after (ms)', (s) => fmt(s.allDeliveredMs, 0)],
  ['setTimeout(0) / rAF after (ms)', (s) => (s.frozenRuns ? `frozen (${s.frozenRuns}/${s.runs} runs)` : `${fmt(s.setTimeout0Ms, 1)} / ${fmt(s.rafMs, 1)}`)],
  ['longest SDK task after loop (ms)', (s) => fmt(s.longTaskMaxMs, 0)],
  ['bundle, brotli', (s) => kb(s.bundleBrotli), 'bundleBrotli'],
];
const ratioCols = Object.keys(ratios);
const table = [['', ...cols, ...ratioCols.map((p) => `${p} ÷ heed`)]];
for (const [label, f, key] of rows) {
  table.push([label, ...cols.map((c) => f(summary[c])), ...ratioCols.map((p) => (key && isFinite(ratios[p][key]) ? (key === 'mainThreadMs' && ratios[p].mainThreadIsLowerBound ? '≥ ' : '') + ratios[p][key].toFixed(1) + '×' : ''))]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
console.log('');
for (const [i, r] of table.entries()) {
  console.log(r.map((c, j) => (j === 0 ? String(c).padEnd(widths[j]) : String(c).padStart(widths[j]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(`\nheed.iife.min.js: ${kb(iifeSize.brotli)} brotli (${kb(iifeSize.raw)} raw); ` +
  cols.filter((c) => bundleSize[c]).map((c) => `${c} ${kb(bundleSize[c].raw)} raw / ${kb(bundleSize[c].gzip)} gzip`).join(', '));
for (const c of cols) if (summary[c].errors && summary[c].errors.length) console.log(`errors in ${c}: ${summary[c].errors.join('; ')}`);
for (const c of cols) if (summary[c].failedErrors && summary[c].failedErrors.length) console.log(`failed requests from ${c}: ${summary[c].failedErrors.join(', ')}`);
for (const c of cols) if (summary[c].otherRequests && summary[c].otherRequests.length) console.log(`other requests from ${c}: ${summary[c].otherRequests.join(', ')}`);
if (targets) {
  console.log('\nTargets (heed):');
  for (const [name, t] of Object.entries(targets)) {
    if (!t) continue;
    const v = Array.isArray(t.value) ? t.value.map((x) => fmt(x, 1)).join(' / ') : fmt(t.value, 2);
    console.log(`  ${t.pass ? 'PASS' : 'FAIL'}  ${name}: ${v}`);
  }
}
if (profile) {
  console.log(`\nheed track() self time (CPU profile of the ${N}-call loop, ${profile.track.totalMs} ms sampled):`);
  for (const t of profile.track.top.slice(0, 12)) console.log(`  ${t.ms.toFixed(2).padStart(8)} ms  ${String(t.pct).padStart(5)}%  ${t.fn}`);
  console.log(`heed after the loop until drained (${profile.afterLoop.totalMs} ms sampled, idle excluded):`);
  for (const t of profile.afterLoop.top.slice(0, 12)) console.log(`  ${t.ms.toFixed(2).padStart(8)} ms  ${String(t.pct).padStart(5)}%  ${t.fn}`);
}
if (skipped) console.log(`\n(${skipped} measurement(s) skipped to stay within the ${BUDGET / 1000} s budget)`);
console.log(`\nwrote ${path.relative(process.cwd(), args.out)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
clearTimeout(watchdog);
