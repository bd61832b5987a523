import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CollectorOptions } from './index.js';

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

function integer(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
}
