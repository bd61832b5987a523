#!/usr/bin/env node
/**
 * `npm run test:reliability` (issue 13): runs test/reliability (jest.reliability.config.cjs), then
 * prints ONE table of what every scenario measured and writes it to .heed/reliability.json.
 *
 *   node scripts/reliability.mjs            every scenario, 10,000 generated calls per method
 *   node scripts/reliability.mjs --quick    the short set `npm test` runs (250 calls per method)
 *   node scripts/reliability.mjs --soak     also the minutes-long outages
 *
 * Other arguments go to jest (a file, `-t <name>`). The exit code is jest's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = join(ROOT, '.heed', 'reliability');
const OUT = join(ROOT, '.heed', 'reliability.json');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const soak = args.includes('--soak');
const passed = args.filter((a) => a !== '--quick' && a !== '--soak');
const mode = soak ? 'soak' : quick ? 'quick' : 'full';

rmSync(ROWS, { recursive: true, force: true });
mkdirSync(ROWS, { recursive: true });
const started = Date.now();
const jest = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', 'jest.reliability.config.cjs', ...passed], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, HEED_RELIABILITY: quick ? 'quick' : 'full', HEED_SOAK: soak ? '1' : '', HEED_RELIABILITY_DIR: ROWS },
});
const seconds = Math.round((Date.now() - started) / 1000);

const rows = readdirSync(ROWS)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .flatMap((f) => readFileSync(join(ROWS, f), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)));

const COLUMNS = [
  ['scenario', 'scenario'],
  ['tracked', 'tracked'],
  ['deliveredOnce', 'delivered once'],
  ['duplicates', 'duplicate copies'],
  ['lost', 'lost'],
  ['dropped', 'dropped by policy (reason)'],
  ['peakOutbox', 'peak outbox'],
  ['throws', 'throws'],
  ['invalid', 'invalid payloads'],
  ['sentAfterOptOut', 'sent after opt-out'],
  ['recoveryS', 'recovery s'],
];

const cell = (row, key) => {
  const v = row[key];
  if (v === undefined) return '-';
  if (v === null) return 'never';
  if (key === 'dropped') {
    const parts = Object.entries(v).map(([why, n]) => `${n} (${why})`);
    return parts.length ? parts.join(', ') : '0';
  }
  return String(v);
};

const table = [COLUMNS.map(([, title]) => title), ...rows.map((row) => COLUMNS.map(([key]) => cell(row, key)))];
const widths = COLUMNS.map((_, c) => Math.max(...table.map((line) => line[c].length)));
const line = (cells) => `| ${cells.map((text, c) => (c === 0 ? text.padEnd(widths[c]) : text.padStart(widths[c]))).join(' | ')} |`;
const rule = `|${widths.map((w, c) => (c === 0 ? ':' : '-') + '-'.repeat(w) + (c === 0 ? '-' : ':')).join('|')}|`;

const sum = (key) => rows.reduce((n, r) => n + (typeof r[key] === 'number' ? r[key] : 0), 0);
const slowest = Math.max(0, ...rows.map((r) => (typeof r.recoveryS === 'number' ? r.recoveryS : 0)));
const never = rows.filter((r) => r.recoveryS === null).length;
const goal = {
  throws: sum('throws'),
  invalid: sum('invalid'),
  lost: sum('lost'),
  duplicates: sum('duplicates'),
  sentAfterOptOut: sum('sentAfterOptOut'),
  slowestRecoveryS: never ? null : slowest,
};
const met = goal.throws + goal.invalid + goal.lost + goal.duplicates + goal.sentAfterOptOut === 0 && goal.slowestRecoveryS !== null && goal.slowestRecoveryS <= 30;

console.log(`\nheed reliability (${mode}, ${seconds} s, jest exit ${jest.status})\n`);
console.log([line(table[0]), rule, ...table.slice(1).map(line)].join('\n'));
const notes = rows.map((r, i) => (r.note ? `  ${i + 1}. ${r.scenario}: ${r.note}` : '')).filter(Boolean);
if (notes.length) console.log(`\nnotes:\n${notes.join('\n')}`);
console.log(
  `\ntotals: ${goal.throws} throws, ${goal.invalid} invalid payloads, ${goal.lost} lost, ${goal.duplicates} duplicate copies, ` +
    `${goal.sentAfterOptOut} sent after opt-out, slowest recovery ${goal.slowestRecoveryS === null ? 'never' : `${goal.slowestRecoveryS} s`}` +
    ` -> the issue's goal (all 0, recovery within 30 s) is ${met ? 'met' : 'NOT met'}`,
);

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify({ mode, commit, date: new Date().toISOString(), seconds, jestExit: jest.status, goal, met, rows }, null, 2) + '\n');
console.log(`written: ${OUT}`);
process.exit(jest.status ?? 1);
