import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPrivacyClient, REGIONS, type PrivacyClient, type PrivacyClientOptions } from './client';
import { isPrivacyError } from './errors';
import type { PrivacyTask, PrivacyTaskState, TaskKind, TaskStatus } from './types';

export const USAGE = `Usage: heed-privacy <delete|export|status|cancel> [options]

  delete    create deletion jobs (events and profile) for the distinct_ids
  export    create export jobs for the distinct_ids
  status    show jobs by task id
  cancel    cancel deletion jobs that have not STARTED yet

Options:
  --id <distinct_id>      a person to delete or export; repeatable
  --ids-file <file>       distinct_ids, one per line or CSV with the id first ('-' = stdin)
  --task <task_id>        a job for status or cancel; repeatable ('export:<id>' and
                          'deletion:<id>', as the privacy handler names them, work too)
  --kind deletion|export  what --task names (default: a deletion, else an export
                          with that id; each lookup is one request)
  --ccpa                  compliance type CCPA (default GDPR)
  --disclosure <type>     exports under CCPA: Data, Categories or Sources
  --wait                  poll until every job ends, showing progress
  --poll-interval <s>     first wait between polls, growing while nothing changes (default 10)
  --chunk-size <n>        distinct_ids per job (default 1999 deletions, 2000 exports)
  --region us|eu|in       the project's data residency (default us)
  --base-url <url>        a compatible server, e.g. http://127.0.0.1:8787/api/app
  --json                  one JSON object per line instead of text
  -h, --help              show this text

Environment (tokens are never read from flags, so they stay out of shell history):
  MIXPANEL_GDPR_TOKEN     the GDPR OAuth token (Account Settings > Data & Privacy)
  MIXPANEL_PROJECT_TOKEN  the project token

Each retry (429, 5xx, no answer) is reported on stderr with its wait.

Exit status: 0 done (with --wait: every job SUCCESS), 1 a request failed or a job
ended otherwise, 2 usage error, 130 interrupted.
`;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** Reads `--ids-file -`. */
  stdin?: () => string;
  /** Aborts a wait (Ctrl-C). */
  signal?: AbortSignal;
  /** Client options the environment cannot give (tests: a shorter pacing interval). */
  client?: Partial<PrivacyClientOptions>;
}

class UsageError extends Error {}

const COMMANDS = ['delete', 'export', 'status', 'cancel'] as const;
type Command = (typeof COMMANDS)[number];

/** Runs one command; resolves with the exit status and never throws for expected failures. */
export async function runPrivacyCli(argv: readonly string[], io: CliIo): Promise<number> {
  let out: Printer | undefined;
  // Retries can add up to half a minute or more: say each one instead of waiting in silence.
  const onRetry = (attempt: number, waitMs: number, reason: string) => {
    out?.end();
    io.stderr.write(`heed-privacy: ${reason}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s\n`);
  };
  let parsed;
  try {
    parsed = parse(argv, io, onRetry);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`heed-privacy: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const { command, values, ids, tasks, client } = parsed;
  out = printer(io, !!values.json);
  try {
    if (command === 'cancel') {
      for (const { id } of tasks) {
        await client.cancelDeletion(id, { signal: io.signal });
        out.line({ kind: 'deletion', id, status: 'REVOKED' }, `deletion ${id} REVOKED (cancelled)`);
      }
      return 0;
    }
    let handles: Pick<PrivacyTask, 'kind' | 'id'>[];
    if (command === 'status') {
      const states: PrivacyTaskState[] = [];
      for (const task of tasks) states.push(await findTask(client, task, io.signal));
      if (!values.wait) {
        for (const state of states) out.state(state);
        return states.every((s) => s.status === 'SUCCESS') ? 0 : 1;
      }
      handles = states;
    } else {
      const kind: TaskKind = command === 'delete' ? 'deletion' : 'export';
      const request = {
        distinctIds: ids,
        complianceType: values.ccpa ? ('CCPA' as const) : ('GDPR' as const),
        ...(values.disclosure ? { disclosureType: values.disclosure as 'Data' } : {}),
      };
      const created = await (kind === 'deletion' ? client.createDeletion(request, { signal: io.signal }) : client.createExport(request, { signal: io.signal }));
      for (const task of created) {
        out.line(
          { kind: task.kind, id: task.id, status: 'PENDING', ids: task.distinctIds.length, complianceType: task.complianceType },
          `${task.kind} ${task.id} created for ${task.distinctIds.length} distinct_id${task.distinctIds.length === 1 ? '' : 's'}`,
        );
      }
      if (!values.wait) return 0;
      handles = created;
    }
    const finals = await waitAll(client, handles, values['poll-interval'], io, out);
    return finals.every((s) => s.status === 'SUCCESS') ? 0 : 1;
  } catch (error) {
    if (io.signal?.aborted) {
      out.end();
      io.stderr.write('heed-privacy: interrupted; the jobs go on at the server (check them with `status --wait`)\n');
      return 130;
    }
    out.end();
    const detail = isPrivacyError(error) && error.tasks.length ? ` (jobs already created: ${error.tasks.map((t) => t.id).join(', ')})` : '';
    io.stderr.write(`heed-privacy: ${error instanceof Error ? error.message : String(error)}${detail}\n`);
    return 1;
  }
}

function parse(argv: readonly string[], io: CliIo, onRetry: PrivacyClientOptions['onRetry']) {
  let result;
  try {
    result = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        id: { type: 'string', multiple: true },
        'ids-file': { type: 'string' },
        task: { type: 'string', multiple: true },
        kind: { type: 'string' },
        ccpa: { type: 'boolean' },
        disclosure: { type: 'string' },
        wait: { type: 'boolean' },
        'poll-interval': { type: 'string' },
        'chunk-size': { type: 'string' },
        region: { type: 'string' },
        'base-url': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = result;
  if (values.help) return 'help' as const;
  const command = positionals[0] as Command | undefined;
  if (!command || !(COMMANDS as readonly string[]).includes(command)) throw new UsageError('say delete, export, status or cancel');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const creates = command === 'delete' || command === 'export';

  const ids = [...(values.id ?? [])];
  if (values['ids-file']) ids.push(...readIds(values['ids-file'], io));
  if (values.kind !== undefined && values.kind !== 'deletion' && values.kind !== 'export') throw new UsageError('--kind is deletion or export');
  const tasks = (values.task ?? []).map((task) => taskRef(task, values.kind as TaskKind | undefined));
  if (creates && tasks.length) throw new UsageError('--task is for status and cancel');
  if (!creates && ids.length) throw new UsageError('--id and --ids-file are for delete and export (use --task)');
  if (creates && !ids.length) throw new UsageError(`${command} needs --id or --ids-file`);
  if (!creates && !tasks.length) throw new UsageError(`${command} needs --task`);
  if (command === 'cancel' && tasks.some((t) => t.kind === 'export')) throw new UsageError('exports cannot be cancelled (the API has no such call)');
  if (values.disclosure !== undefined && (command !== 'export' || !/^(data|categories|sources)$/i.test(values.disclosure))) {
    throw new UsageError('--disclosure is Data, Categories or Sources, for export');
  }
  if (values.region !== undefined && !(values.region in REGIONS)) throw new UsageError('--region is us, eu or in');
  const chunk = values['chunk-size'] === undefined ? undefined : positiveNumber('--chunk-size', values['chunk-size']);
  if (values['poll-interval'] !== undefined) positiveNumber('--poll-interval', values['poll-interval']);

  const oauthToken = io.env.MIXPANEL_GDPR_TOKEN;
  const token = io.env.MIXPANEL_PROJECT_TOKEN;
  if (!oauthToken) throw new UsageError('set MIXPANEL_GDPR_TOKEN to the GDPR OAuth token');
  if (!token) throw new UsageError('set MIXPANEL_PROJECT_TOKEN to the project token');
  const client = createPrivacyClient({
    token,
    oauthToken,
    ...(values.region ? { region: values.region as keyof typeof REGIONS } : {}),
    ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
    ...(chunk ? { limits: { deletion: chunk, export: chunk } } : {}),
    onRetry,
    ...io.client,
  });
  return { command, values, ids, tasks, client };
}

interface TaskRef {
  /** Unknown when neither --kind nor the id says: `status` then looks for both. */
  kind?: TaskKind;
  id: string;
}

/** A --task value: a task id, or the privacy handler's `deletion:<id>` / `export:<id>`. */
function taskRef(task: string, kind: TaskKind | undefined): TaskRef {
  const prefix = /^(deletion|export):(.+)$/.exec(task);
  if (!prefix) return kind ? { kind, id: task } : { id: task };
  if (kind && kind !== prefix[1]) throw new UsageError(`--task ${task} is ${prefix[1] === 'export' ? 'an export' : 'a deletion'}, not --kind ${kind}`);
  return { kind: prefix[1] as TaskKind, id: prefix[2]! };
}

/**
 * A job's state. Without a kind, a deletion with that id, else an export: task ids do not say
 * which they are, and each kind has its own status route. Not found either way: the deletion's answer.
 */
async function findTask(client: PrivacyClient, task: TaskRef, signal: AbortSignal | undefined): Promise<PrivacyTaskState> {
  const get = (kind: TaskKind) => (kind === 'export' ? client.getExport(task.id, { signal }) : client.getDeletion(task.id, { signal }));
  if (task.kind) return get(task.kind);
  const deletion = await get('deletion');
  if (deletion.status !== 'NOT_FOUND') return deletion;
  const exported = await get('export');
  return exported.status === 'NOT_FOUND' ? deletion : exported;
}

function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got '${text}'`);
  return n;
}

/** One id per line; for CSV the first column (quotes allowed); a `distinct_id` header row is skipped. */
export function parseIds(text: string): string[] {
  const ids: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const quoted = /^\s*"((?:[^"]|"")*)"/.exec(line);
    const id = (quoted ? quoted[1]!.replace(/""/g, '"') : line.split(',')[0]!).trim();
    if (id && !(ids.length === 0 && /^\$?distinct_?id$/i.test(id))) ids.push(id);
  }
  return ids;
}

function readIds(file: string, io: CliIo): string[] {
  let text: string;
  try {
    text = file === '-' ? (io.stdin ?? (() => readFileSync(0, 'utf8')))() : readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --ids-file ${file}: ${(error as Error).message}`);
  }
  const ids = parseIds(text);
  if (!ids.length) throw new UsageError(`no distinct_ids in ${file}`);
  return ids;
}

interface Printer {
  line(json: Record<string, unknown>, text: string): void;
  state(state: PrivacyTaskState): void;
  /** On a terminal: the one progress line, rewritten in place. */
  progress(text: string): void;
  end(): void;
}

function printer(io: CliIo, json: boolean): Printer {
  const tty = !json && !!io.stdout.isTTY;
  let live = false;
  const clear = () => {
    if (live) io.stdout.write('\r\x1b[K');
    live = false;
  };
  const line = (object: Record<string, unknown>, text: string) => {
    clear();
    io.stdout.write(`${json ? JSON.stringify(object) : text}\n`);
  };
  return {
    line,
    state: (s) =>
      line(
        { kind: s.kind, id: s.id, status: s.status, ...(s.url ? { url: s.url } : {}), ...(s.distinctIds ? { ids: s.distinctIds.length } : {}) },
        `${s.kind} ${s.id} ${s.status}${s.url ? ` ${s.url}` : ''}`,
      ),
    progress(text) {
      if (!tty) return;
      io.stdout.write(`\r\x1b[K${text}`);
      live = true;
    },
    end: clear,
  };
}

/** Polls every job (the client paces them together) and reports each status change. */
async function waitAll(client: PrivacyClient, handles: Pick<PrivacyTask, 'kind' | 'id'>[], pollSeconds: string | undefined, io: CliIo, out: Printer): Promise<PrivacyTaskState[]> {
  const started = Date.now();
  const latest = new Map<string, TaskStatus>();
  const render = () => {
    const counts = new Map<TaskStatus, number>();
    for (const s of latest.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'asking';
    const seconds = Math.round((Date.now() - started) / 1000);
    out.progress(`${handles.length} job${handles.length === 1 ? '' : 's'}: ${summary} · ${seconds}s`);
  };
  const finals = await Promise.all(
    handles.map((handle) =>
      client.waitFor(handle, {
        ...(io.signal ? { signal: io.signal } : {}),
        ...(pollSeconds ? { pollInterval: Number(pollSeconds) * 1000 } : {}),
        onProgress(state) {
          const key = `${state.kind}:${state.id}`;
          if (latest.get(key) !== state.status) {
            latest.set(key, state.status);
            if (!state.terminal) out.line({ kind: state.kind, id: state.id, status: state.status }, `${state.kind} ${state.id} ${state.status}`);
          }
          render();
        },
      }),
    ),
  );
  out.end();
  for (const state of finals) out.state(state);
  return finals;
}
