import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CollectorOptions } from './index.js';
import type { Endpoint, RelayOptions } from './relay/index.js';

export const USAGE = `Usage: heed-collector [options]

  --port <n>             port to listen on (env PORT; default 8787; 0 = any free port)
  --host <addr>          interface to listen on (default 127.0.0.1)
  --db <file|:memory:>   SQLite database (default ./.heed/collector.db)
  --static <prefix=dir>  serve dir under the URL prefix; repeatable
  --max-body-bytes <n>   largest decoded body accepted (default 2097152)
  --gdpr-token <t>       bearer token of the GDPR API routes (env HEED_GDPR_TOKEN;
                         default heed-dev-gdpr-token: local use only)
  --gdpr-step-ms <n>     time per GDPR job stage, PENDING to SUCCESS is 3 (default 1000)
  --gdpr-min-interval-ms <n>  least ms between GDPR requests per project (default 1000; 0 = off)
  --gdpr-export-dir <dir>     export files (default <db folder>/exports)
  --quiet                do not print a line per request
  --help                 show this text

Relay mode: heed-collector --relay us|eu|in | --upstream <url> [options]
  Accepts /track, /engage, /groups (and --route paths), commits each item to a SQLite
  spool before answering, and forwards it upstream exactly once.

  --relay us|eu|in       forward to Mixpanel's ingestion (and GDPR API) in that region
  --upstream <url>       forward to any Mixpanel-compatible ingestion instead
  --gdpr-upstream <url>  GDPR API to proxy /api/app/... to (default: the region's, or <upstream>/api/app)
  --port <n>, --host <addr>   as above (default 8787, 127.0.0.1)
  --spool <file>         the SQLite spool (default ./.heed/relay-spool.db)
  --route <path=endpoint>     a first-party path, e.g. /e/=track; repeatable
  --tokens <t1,t2>       project tokens to forward; others are refused (env HEED_RELAY_TOKENS)
  --country-header <h>   trusted header with the visitor's country, sent as mp_country_code
  --max-body-bytes <n>   largest decoded request body (default 2097152)
  --max-item-bytes <n>   largest item, as JSON (default 1000000)
  --batch-items <n>      items per upstream request (default and at most 2000)
  --batch-bytes <n>      bytes per upstream request body (default 2097152)
  --dedupe-window-ms <n> how long forwarded $insert_ids are remembered (default 600000; 0 = off)
  --upstream-timeout-ms <n>   per upstream request (default 30000)
  --retry-base-ms <n>, --retry-max-ms <n>   backoff, full jitter (default 1000, 30000)
  --quiet                log warnings and errors only (JSON lines on stdout)
`;

export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

/** CLI arguments and environment → options for `startCollector`, or `'help'`. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): CollectorOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        static: { type: 'string', multiple: true },
        'max-body-bytes': { type: 'string' },
        'gdpr-token': { type: 'string' },
        'gdpr-step-ms': { type: 'string' },
        'gdpr-min-interval-ms': { type: 'string' },
        'gdpr-export-dir': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';

  const port = integer('--port', values.port ?? env.PORT ?? '8787');
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const db = values.db ?? path.join('.heed', 'collector.db');
  const statics: Record<string, string> = {};
  for (const spec of values.static ?? []) {
    const at = spec.indexOf('=');
    if (at <= 0 || at === spec.length - 1) throw new UsageError(`--static expects prefix=dir, got '${spec}'`);
    statics[spec.slice(0, at)] = path.resolve(cwd, spec.slice(at + 1));
  }
  return {
    port,
    host: values.host ?? '127.0.0.1',
    db: db === ':memory:' ? db : path.resolve(cwd, db),
    static: statics,
    ...(values['max-body-bytes'] ? { maxBodyBytes: integer('--max-body-bytes', values['max-body-bytes']) } : {}),
    ...((values['gdpr-token'] ?? env.HEED_GDPR_TOKEN) ? { gdprToken: values['gdpr-token'] ?? env.HEED_GDPR_TOKEN } : {}),
    ...(values['gdpr-step-ms'] ? { gdprStepMs: integer('--gdpr-step-ms', values['gdpr-step-ms']) } : {}),
    ...(values['gdpr-min-interval-ms'] ? { gdprMinIntervalMs: integer('--gdpr-min-interval-ms', values['gdpr-min-interval-ms']) } : {}),
    ...(values['gdpr-export-dir'] ? { gdprExportDir: path.resolve(cwd, values['gdpr-export-dir']) } : {}),
    log: !values.quiet,
  };
}

/** True when the arguments ask for relay mode (`--relay` or `--upstream`). */
export function isRelayCommand(argv: string[]): boolean {
  return argv.some((arg) => /^--(relay|upstream)(=|$)/.test(arg));
}

const RELAY_FLAGS = {
  relay: { type: 'string' },
  upstream: { type: 'string' },
  'gdpr-upstream': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  spool: { type: 'string' },
  route: { type: 'string', multiple: true },
  tokens: { type: 'string' },
  'country-header': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'max-item-bytes': { type: 'string' },
  'batch-items': { type: 'string' },
  'batch-bytes': { type: 'string' },
  'dedupe-window-ms': { type: 'string' },
  'upstream-timeout-ms': { type: 'string' },
  'retry-base-ms': { type: 'string' },
  'retry-max-ms': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Relay-mode arguments → options for `startRelay`, or `'help'`. Collector-only flags are refused. */
export function parseRelayArgs(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): RelayOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: RELAY_FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (in relay mode)`);
  }
  if (values.help) return 'help';
  if (values.relay !== undefined && values.upstream !== undefined) throw new UsageError('give --relay or --upstream, not both');
  if (values.relay !== undefined && !['us', 'eu', 'in'].includes(values.relay)) throw new UsageError(`--relay is us, eu or in, got '${values.relay}'`);
  const port = integer('--port', values.port ?? env.PORT ?? '8787');
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const tokens = values.tokens ?? env.HEED_RELAY_TOKENS;
  const number = (flag: keyof typeof RELAY_FLAGS) => {
    const value = values[flag];
    return typeof value === 'string' ? integer(`--${flag}`, value) : undefined;
  };
  const retry = { baseMs: number('retry-base-ms'), maxMs: number('retry-max-ms') };
  return prune<RelayOptions>({
    upstream: (values.relay ?? values.upstream)!,
    spool: path.resolve(cwd, values.spool ?? path.join('.heed', 'relay-spool.db')),
    gdprUpstream: values['gdpr-upstream'],
    port,
    host: values.host ?? '127.0.0.1',
    routes: routes(values.route ?? []),
    tokens: tokens === undefined ? undefined : tokens.split(',').map((t) => t.trim()).filter(Boolean),
    countryHeader: values['country-header'],
    maxBodyBytes: number('max-body-bytes'),
    maxItemBytes: number('max-item-bytes'),
    batchItems: number('batch-items'),
    batchBytes: number('batch-bytes'),
    dedupeWindowMs: number('dedupe-window-ms'),
    upstreamTimeoutMs: number('upstream-timeout-ms'),
    retry: retry.baseMs === undefined && retry.maxMs === undefined ? undefined : prune(retry),
    log: values.quiet ? 'warn' : 'info',
  });
}

function routes(specs: string[]): Record<string, Endpoint> {
  const out: Record<string, Endpoint> = {};
  for (const spec of specs) {
    const at = spec.lastIndexOf('=');
    const endpoint = spec.slice(at + 1);
    if (at <= 0 || !['track', 'engage', 'groups'].includes(endpoint)) {
      throw new UsageError(`--route expects path=track|engage|groups, got '${spec}'`);
    }
    out[spec.slice(0, at)] = endpoint as Endpoint;
  }
  return out;
}

/** The object without its undefined fields, so defaults stay the API's. */
function prune<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}

function integer(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
}
