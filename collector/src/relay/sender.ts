import type { Batch } from './batch.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';
import type { Endpoint } from './options.js';
import { parseRetryAfter, retryDelay, type Backoff } from './retry.js';
import type { Spool } from './spool.js';
import type { Upstream, UpstreamResult } from './upstream.js';

/**
 * Forwards one endpoint's spool upstream, oldest first, one request at a time (so `/engage`
 * operations keep their order). Items leave the spool only after a 2xx; what the upstream
 * refuses for good is kept in `rejected`. After a failure the next attempt is a probe of one
 * item, so a long outage costs small requests; the first success returns to full batches.
 */
export interface SenderConfig {
  endpoint: Endpoint;
  spool: Spool;
  upstream: Upstream;
  /** The upstream ingestion base URL. */
  base: URL;
  metrics: Metrics;
  log: Log;
  batchItems: number;
  batchBytes: number;
  timeoutMs: number;
  backoff: Backoff;
  /** Settles when no GDPR purge is running: the sender never sends what a deletion is removing. */
  purges: () => Promise<void>;
}

export interface Sender {
  /** New items were spooled. */
  wake(): void;
  /** True unless the last attempt failed. */
  readonly up: boolean;
  /** Finish the request in flight (and record its outcome), then stop. */
  stop(): Promise<void>;
}

/** A sender's changing state: failures in a row (0 = healthy), and the limits 413/400 taught it. */
interface State {
  attempt: number;
  failingSince: number;
  bytes: number;
  items: number;
}

/** After an attempt: go on at once (0), or wait this long. */
type Wait = number;
/** When nothing waits, look again after this long anyway (a wake() normally comes first). */
const IDLE_MS = 60_000;

export function startSender(config: SenderConfig): Sender {
  const url = new URL(`${config.base.href.replace(/\/+$/, '')}/${config.endpoint}/?verbose=1&ip=0`);
  const state: State = { attempt: 0, failingSince: 0, bytes: config.batchBytes, items: config.batchItems };
  let stopping = false;
  let interrupt: () => void = () => undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        interrupt = () => undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      interrupt = done;
    });

  const loop = (async () => {
    while (!stopping) {
      await config.purges();
      if (stopping) break;
      const wait = await attempt(config, state, url).catch((error: unknown) => {
        config.log('error', 'sender failed; retrying', { endpoint: config.endpoint, error: error instanceof Error ? error.message : String(error) });
        return config.backoff.maxMs;
      });
      if (wait > 0 && !stopping) await pause(wait);
    }
  })();

  return {
    wake() {
      // A backoff wait is not cut short by new items: only an idle sender is woken.
      if (state.attempt === 0) interrupt();
    },
    get up() {
      return state.attempt === 0;
    },
    stop() {
      stopping = true;
      interrupt();
      return loop;
    },
  };
}

async function attempt(config: SenderConfig, state: State, url: URL): Promise<Wait> {
  const batch = await config.spool.next(config.endpoint, state.attempt > 0 ? 1 : state.items, state.bytes);
  if (!batch) return IDLE_MS;
  const result = await config.upstream.send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: batch.body,
    timeoutMs: config.timeoutMs,
  });
  const refusal = result.ok ? refusalStatus(result.status, result.body) : undefined;
  if (result.ok && refusal === undefined) return delivered(config, state, batch, result.body);
  config.metrics.inc('heed_relay_upstream_errors_total', { endpoint: config.endpoint, status: result.ok ? String(result.status) : result.reason });
  if (result.ok && (refusal === 413 || refusal === 400)) return split(config, state, batch, refusal, message(result.body));
  return failed(config, state, batch, result);
}

async function delivered(config: SenderConfig, state: State, batch: Batch, body: Buffer): Promise<Wait> {
  const { endpoint, metrics, log } = config;
  const rejected = failedRecords(body, batch.ids);
  await config.spool.settle(endpoint, batch.ids.at(-1)!, rejected.length ? { status: 200, items: rejected } : undefined);
  metrics.inc('heed_relay_forwarded_total', { endpoint }, batch.ids.length - rejected.length);
  if (rejected.length) {
    metrics.inc('heed_relay_rejected_total', { endpoint, status: '200' }, rejected.length);
    log('warn', 'upstream refused items in a batch; kept in the rejected table', { endpoint, items: rejected.length });
  }
  if (state.attempt > 0) log('info', 'upstream recovered', { endpoint, failedForMs: Date.now() - state.failingSince, attempts: state.attempt });
  state.attempt = 0;
  state.items = config.batchItems;
  return 0;
}

/** No usable answer: retry after `retryDelay`'s wait, or, for another 4xx, keep the items as refused. */
async function failed(config: SenderConfig, state: State, batch: Batch, result: UpstreamResult): Promise<Wait> {
  const failure = result.ok ? { status: result.status, retryAfterMs: parseRetryAfter(result.headers['retry-after']) } : {};
  const wait = retryDelay(failure, state.attempt, config.backoff);
  if (wait === undefined) {
    await reject(config, state, batch.ids, result.ok ? result.status : 0, result.ok ? message(result.body) : '');
    return 0;
  }
  if (state.attempt === 0) state.failingSince = Date.now();
  state.attempt++;
  config.metrics.inc('heed_relay_retries_total', { endpoint: config.endpoint });
  config.log('warn', 'upstream request failed, will retry', {
    endpoint: config.endpoint,
    error: result.ok ? `HTTP ${result.status}` : `${result.reason}: ${result.message}`,
    attempt: state.attempt,
    retryInMs: Math.round(wait),
    items: batch.ids.length,
  });
  return wait;
}

/** 413: the byte limit halves for good; 400: the item count halves until a success. One item left: rejected. */
async function split(config: SenderConfig, state: State, batch: Batch, status: 400 | 413, error: string): Promise<Wait> {
  if (batch.ids.length === 1) {
    await reject(config, state, batch.ids, status, error);
  } else if (status === 413) {
    state.bytes = Math.max(1024, Math.floor(batch.body.length / 2));
    config.log('warn', 'upstream refused a batch as too large; sending smaller ones', { endpoint: config.endpoint, bytes: batch.body.length, nowAtMost: state.bytes });
  } else {
    state.items = Math.ceil(batch.ids.length / 2);
  }
  return 0;
}

async function reject(config: SenderConfig, state: State, ids: number[], status: number, error: string): Promise<void> {
  const { endpoint } = config;
  await config.spool.settle(endpoint, ids.at(-1)!, { status, items: ids.map((id) => ({ id, error })) });
  // A definite answer: the upstream is up, so back to full batches for the rest.
  state.attempt = 0;
  config.metrics.inc('heed_relay_rejected_total', { endpoint, status: String(status) }, ids.length);
  config.log('error', 'upstream refused items for good; kept in the rejected table', { endpoint, status, error, items: ids.length });
}

/**
 * A refusal of the batch's content: 413, 400, or a 2xx whose verbose answer says `status: 0`
 * (Mixpanel: no item was valid). Other statuses are `retryDelay`'s to judge.
 */
function refusalStatus(status: number, body: Buffer): number | undefined {
  if (status >= 200 && status < 300) return reply(body)?.status === 0 ? 400 : undefined;
  return status;
}

/** The items a 2xx answer lists in `failed_records` (Mixpanel's verbose answer), with their messages. */
function failedRecords(body: Buffer, ids: number[]): Array<{ id: number; error: string }> {
  const failed = reply(body)?.failed_records;
  if (!Array.isArray(failed)) return [];
  const found = new Map<number, string>();
  for (const record of failed as unknown[]) {
    const { index, message } = (typeof record === 'object' && record !== null ? record : {}) as { index?: unknown; message?: unknown };
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < ids.length) {
      found.set(ids[index]!, typeof message === 'string' ? message.slice(0, 500) : 'refused by the upstream');
    }
  }
  return [...found].map(([id, error]) => ({ id, error }));
}

function reply(body: Buffer): { status?: unknown; error?: unknown; failed_records?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function message(body: Buffer): string {
  const error = reply(body)?.error;
  return typeof error === 'string' ? error.slice(0, 500) : body.toString('utf8').slice(0, 200);
}
