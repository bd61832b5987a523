import { parseArgs } from 'node:util';
import { fileSuppressions } from '../server/file-suppressions';
import { redisSuppressions } from '../server/redis-suppressions';
import type { SuppressionStore } from '../server/suppression';
import type { CliIo } from './command';

export const SUPPRESS_COMMANDS = ['suppress', 'unsuppress', 'list'] as const;
export type SuppressCommand = (typeof SUPPRESS_COMMANDS)[number];

export const SUPPRESS_USAGE = `  suppress    stop server-side tracking of the distinct_ids (every process
              sharing the list stops sending for them)
  unsuppress  resume it (name each id: the ids a tracker suppressed with
              one, the same person's other ids, are listed by \`list\`)
  list        the suppressed ids, one per line

Suppression list (one of):
  --redis <url>           the Redis of redisSuppressions({ url }) (or HEED_REDIS_URL)
  --redis-key <key>       its set and channel (default heed:suppressed)
  --file <path>           the file of fileSuppressions(path) (or HEED_SUPPRESSIONS_FILE)
`;

/** Thrown for a usage mistake; the caller prints it with the usage text. */
export class SuppressUsageError extends Error {}

/** `suppress`, `unsuppress`, `list`: the list itself, no GDPR token needed. */
export async function runSuppressCommand(command: SuppressCommand, argv: readonly string[], io: CliIo, readIds: (file: string) => string[]): Promise<number> {
  const { values, store } = parse(argv, io);
  const ids = [...(values.id ?? []), ...(values['ids-file'] ? readIds(values['ids-file']) : [])];
  if (command !== 'list' && !ids.length) throw new SuppressUsageError(`${command} needs --id or --ids-file`);
  if (command === 'list' && ids.length) throw new SuppressUsageError('list takes no ids');
  const line = (id: string, done?: string) =>
    io.stdout.write(values.json ? JSON.stringify(done ? { id, [done]: true } : { id }) + '\n' : done ? `${done} ${id}\n` : `${id}\n`);
  try {
    if (command === 'list') (await store.list()).forEach((id) => line(id));
    else {
      await (command === 'suppress' ? store.add(ids) : store.remove(ids));
      ids.forEach((id) => line(id, command === 'suppress' ? 'suppressed' : 'unsuppressed'));
    }
    return 0;
  } catch (error) {
    io.stderr.write(`heed-privacy: the suppression list failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store.close().catch(() => undefined);
  }
}

function parse(argv: readonly string[], io: CliIo): { values: { id?: string[]; 'ids-file'?: string; json?: boolean }; store: SuppressionStore } {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        id: { type: 'string', multiple: true },
        'ids-file': { type: 'string' },
        redis: { type: 'string' },
        'redis-key': { type: 'string' },
        file: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new SuppressUsageError((error as Error).message);
  }
  if (positionals.length > 1) throw new SuppressUsageError(`unexpected argument '${positionals[1]}'`);
  const redis = values.redis ?? (values.file ? undefined : io.env.HEED_REDIS_URL);
  const file = values.file ?? (values.redis ? undefined : io.env.HEED_SUPPRESSIONS_FILE);
  if (redis && file) throw new SuppressUsageError('say --redis or --file, not both');
  if (!redis && !file) throw new SuppressUsageError('say where the list is: --redis <url> or --file <path>');
  if (values['redis-key'] !== undefined && !redis) throw new SuppressUsageError('--redis-key goes with --redis');
  const store = redis ? redisSuppressions({ url: redis, ...(values['redis-key'] ? { key: values['redis-key'] } : {}) }) : fileSuppressions(file!);
  return { values, store };
}
