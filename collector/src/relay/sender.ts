import type { Log } from './log.js';
import type { Metrics } from './metrics.js';
import type { Endpoint } from './options.js';
import { parseRetryAfter, retryDelay, type Backoff } from './retry.js';
import type { Spool, SpooledItem } from './spool.js';
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

interface Batch {
  rows: SpooledItem[];
  body: string;
}

/** What to do after an attempt: go on at once, or wait this long. */
type Next = { wait: number };

export function startSender(config: SenderConfig): Sender {
  const { endpoint, spool, metrics, log } = config;
  const url = new URL(`${config.base.href.replace(/\/+$/, '')}/${endpoint}/?verbose=1&ip=0`);
  const labels = { endpoint };
  let stopping = false;
  let interrupt: () => void = () => undefined;
  const state = { attempt: 0, failingSince: 0, bytes: config.batchBytes, items: config.batchItems };

  /** Sleep until woken, stopped, or `ms` passed. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = () => undefined;
        resolve();
      }
      interrupt = done;
    });

  const attempt = async (): Promise<Next> => {
    const batch = cut(spool.peek(endpoint, state.attempt > 0 ? 1 : state.items), state.bytes);
    if (!batch) return { wait: 60_000 };
    const result = await config.upstream.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: batch.body,
      timeoutMs: config.timeoutMs,
    });
    return settle(batch, result);
  };

  const settle = async (batch: Batch, result: UpstreamResult): Promise<Next> => {
    const status = result.ok ? refusalStatus(result.status, result.body) : undefined;
    if (result.ok && status === undefined) return delivered(batch, result.body);
    metrics.inc('heed_relay_upstream_errors_total', { endpoint, status: result.ok ? String(result.status) : result.reason });
    if (status === 413 || status === 400) return split(batch, status, result.ok ? message(result.body) : '');
    const failure = result.ok ? { status: result.status, retryAfterMs: parseRetryAfter(result.headers['retry-after']) } : {};
    const wait = retryDelay(failure, state.attempt, config.backoff);
    if (wait === undefined) {
      await reject(batch.rows, result.ok ? result.status : 0, result.ok ? message(result.body) : '');
      return { wait: 0 };
    }
    if (state.attempt === 0) state.failingSince = Date.now();
    state.attempt++;
    metrics.inc('heed_relay_retries_total', labels);
    const why = result.ok ? `HTTP ${result.status}` : `${result.reason}: ${result.message}`;
    log('warn', 'upstream request failed, will retry', { endpoint, error: why, attempt: state.attempt, retryInMs: Math.round(wait), items: batch.rows.length });
    return { wait };
  };

  const delivered = async (batch: Batch, body: Buffer): Promise<Next> => {
    const rejected = failedRecords(body, batch.rows);
    await spool.settle(endpoint, batch.rows.at(-1)!.id, rejected.length ? { status: 200, items: rejected } : undefined);
    metrics.inc('heed_relay_forwarded_total', labels, batch.rows.length - rejected.length);
    if (rejected.length) {
      metrics.inc('heed_relay_rejected_total', { endpoint, status: '200' }, rejected.length);
      log('warn', 'upstream refused items in a batch; kept in the rejected table', { endpoint, items: rejected.length });
    }
    if (state.attempt > 0) log('info', 'upstream recovered', { endpoint, failedForMs: Date.now() - state.failingSince, attempts: state.attempt });
    state.attempt = 0;
    state.items = config.batchItems;
    return { wait: 0 };
  };

  /** 413: the byte limit halves for good; 400: the item count halves until a success. One item left: rejected. */
  const split = async (batch: Batch, status: 400 | 413, error: string): Promise<Next> => {
    if (batch.rows.length === 1) {
      await reject(batch.rows, status, error);
      return { wait: 0 };
    }
    if (status === 413) {
      state.bytes = Math.max(1024, Math.floor(batch.body.length / 2));
      log('warn', 'upstream refused a batch as too large; sending smaller ones', { endpoint, bytes: batch.body.length, nowAtMost: state.bytes });
    } else {
      state.items = Math.ceil(batch.rows.length / 2);
    }
    return { wait: 0 };
  };

  const reject = async (rows: SpooledItem[], status: number, error: string) => {
    await spool.settle(endpoint, rows.at(-1)!.id, { status, items: rows.map((r) => ({ id: r.id, error })) });
    // A definite answer: the upstream is up, so back to full batches for the rest.
    state.attempt = 0;
    metrics.inc('heed_relay_rejected_total', { endpoint, status: String(status) }, rows.length);
    log('error', 'upstream refused items for good; kept in the rejected table', { endpoint, status, error, items: rows.length });
  };

  const loop = (async () => {
    while (!stopping) {
      await config.purges();
      if (stopping) break;
      const next = await attempt().catch((error: unknown): Next => {
        log('error', 'sender failed; retrying', { endpoint, error: error instanceof Error ? error.message : String(error) });
        return { wait: config.backoff.maxMs };
      });
      if (next.wait > 0 && !stopping) await pause(next.wait);
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

/** The first items that fit in `limit` bytes of form body (always at least one). */
function cut(rows: SpooledItem[], limit: number): Batch | undefined {
  if (rows.length === 0) return undefined;
  const parts: string[] = [];
  let bytes = 'data=%5B%5D'.length;
  for (const row of rows) {
    const encoded = encodeURIComponent(row.item);
    const add = encoded.length + (parts.length ? 3 : 0);
    if (parts.length && bytes + add > limit) break;
    parts.push(encoded);
    bytes += add;
  }
  return { rows: rows.slice(0, parts.length), body: `data=%5B${parts.join('%2C')}%5D` };
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
function failedRecords(body: Buffer, rows: SpooledItem[]): Array<{ id: number; error: string }> {
  const failed = reply(body)?.failed_records;
  if (!Array.isArray(failed)) return [];
  const found = new Map<number, string>();
  for (const record of failed as unknown[]) {
    const { index, message } = (typeof record === 'object' && record !== null ? record : {}) as { index?: unknown; message?: unknown };
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < rows.length) {
      found.set(rows[index]!.id, typeof message === 'string' ? message.slice(0, 500) : 'refused by the upstream');
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
