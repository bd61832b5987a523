import { HeedError } from '../errors';
import { PrivacyError, PrivacyRequestError } from './errors';
import { createPacer, sleep } from './pacer';
import { parseComplianceType, parseCreated, parseDisclosureType, parseState } from './parse';
import { send, type RetryOptions, type Transport } from './request';
import type { ComplianceType, DisclosureType, PrivacyTask, PrivacyTaskState, TaskKind } from './types';

/** Mixpanel's GDPR API hosts (spec `servers`); `baseUrl` replaces them for a compatible server. */
export const REGIONS = {
  us: 'https://mixpanel.com/api/app',
  eu: 'https://eu.mixpanel.com/api/app',
  in: 'https://in.mixpanel.com/api/app',
} as const;

/**
 * distinct_ids per request. Deletions: the API reference says "up to 1999" where other pages say
 * 2000, and group-analytics projects get `floor(2000 / (groups + 1))`: 1999 is safe for plain
 * projects; lower it for projects with groups. Exports: 2000 everywhere.
 */
export const DEFAULT_LIMITS = { deletion: 1999, export: 2000 } as const;

export interface PrivacyClientOptions {
  /**
   * The project token, sent as the `token` query parameter (not a secret).
   * @example createPrivacyClient({ token: process.env.MIXPANEL_PROJECT_TOKEN!, oauthToken })
   */
  token: string;
  /**
   * The GDPR OAuth token (Account Settings → Data & Privacy), sent as `Authorization: Bearer`.
   * A secret that can delete any user's data: keep it on the server, never in a browser bundle.
   * @example createPrivacyClient({ token, oauthToken: process.env.MIXPANEL_GDPR_TOKEN! })
   */
  oauthToken: string;
  /**
   * The project's data residency; ignored when `baseUrl` is given.
   * @default 'us'
   * @example createPrivacyClient({ token, oauthToken, region: 'eu' })
   */
  region?: keyof typeof REGIONS;
  /**
   * A compatible server instead of Mixpanel, e.g. heed's collector: `http://127.0.0.1:8787/api/app`.
   * @example createPrivacyClient({ token, oauthToken, baseUrl: `${collector.url}/api/app` })
   */
  baseUrl?: string;
  /**
   * The fetch to use (a proxy agent, a test double).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * distinct_ids per request; longer lists become several jobs.
   * @default { deletion: 1999, export: 2000 }
   * @example createPrivacyClient({ token, oauthToken, limits: { deletion: 666 } }) // 2 group keys
   */
  limits?: { deletion?: number; export?: number };
  /**
   * Least time in ms between the end of one request and the start of the next, shared by every
   * call of this client: Mixpanel allows 1 request per second.
   * @default 1000
   */
  interval?: number;
  /** Retries of 429, 5xx and network errors. @default { limit: 5, backoff: 1000, maxDelay: 60000 } */
  retry?: RetryOptions;
  /**
   * Called before each retry's wait, so a caller can say why it is waiting (the default retries
   * can add up to half a minute or more). `attempt` is the attempt that failed (1 = the first),
   * `waitMs` the wait before the next, `reason` e.g. `GET /data-deletions/v3.0/42: 503 from the GDPR API`.
   * An exception it throws rejects the call.
   * @default none
   * @example createPrivacyClient({ ..., onRetry: (attempt, waitMs, reason) => console.warn(`${reason}; retry in ${waitMs} ms`) })
   */
  onRetry?: (attempt: number, waitMs: number, reason: string) => void;
  /**
   * Per attempt, in ms; an attempt without an answer by then counts as a network error.
   * @default 30000
   */
  timeout?: number;
}

export interface CallOptions {
  /** Abort the call: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DeletionRequest {
  /** The people to delete, events and profile. Duplicates are dropped; longer lists are split. */
  distinctIds: readonly string[];
  /** @default 'GDPR' */
  complianceType?: ComplianceType;
}

export interface ExportRequest extends DeletionRequest {
  /** CCPA only: what to disclose. Sent only when given (Mixpanel's default is `Data`). */
  disclosureType?: DisclosureType;
}

export interface WaitOptions extends CallOptions {
  /** Called after every status request, with what it found. */
  onProgress?: (state: PrivacyTaskState) => void;
  /**
   * First wait between polls in ms; it grows by half on each unchanged answer, up to
   * `maxPollInterval`, and starts again when the status changes. Requests are paced anyway.
   * @default 10000
   */
  pollInterval?: number;
  /** @default 600000 (jobs take days; deletions up to 30) */
  maxPollInterval?: number;
}

/** The typed GDPR/CCPA client. Every method may reject with a `PrivacyError` subclass. */
export interface PrivacyClient {
  /** One deletion job per `limits.deletion` ids. */
  createDeletion(request: DeletionRequest, options?: CallOptions): Promise<PrivacyTask[]>;
  /** One export ("retrieval") job per `limits.export` ids. */
  createExport(request: ExportRequest, options?: CallOptions): Promise<PrivacyTask[]>;
  getDeletion(id: string, options?: CallOptions): Promise<PrivacyTaskState>;
  getExport(id: string, options?: CallOptions): Promise<PrivacyTaskState>;
  /**
   * Cancel a deletion while it is PENDING or STAGING. A job that has STARTED rejects with
   * `PrivacyRequestError` code `not_cancellable` (HTTP 405). The spec has no export cancel.
   */
  cancelDeletion(id: string, options?: CallOptions): Promise<void>;
  /** Poll until SUCCESS, FAILURE, REVOKED, NOT_FOUND or UNKNOWN; resolves with that state. */
  waitFor(task: Pick<PrivacyTask, 'kind' | 'id'>, options?: WaitOptions): Promise<PrivacyTaskState>;
}

const PATHS: Record<TaskKind, string> = { deletion: '/data-deletions/v3.0', export: '/data-retrievals/v3.0' };

const positive = (name: string, value: number | undefined, fallback: number, min = 1): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new HeedError(`createPrivacyClient: ${name} must be a number of at least ${min}, got ${String(value)}`);
  }
  return value;
};

/** A client for Mixpanel's GDPR API v3 (or a compatible server). Node only: it holds the OAuth token. */
export function createPrivacyClient(options: PrivacyClientOptions): PrivacyClient {
  const t = transportOf(options);
  const limits: Record<TaskKind, number> = {
    deletion: Math.floor(positive('limits.deletion', options.limits?.deletion, DEFAULT_LIMITS.deletion)),
    export: Math.floor(positive('limits.export', options.limits?.export, DEFAULT_LIMITS.export)),
  };
  return {
    createDeletion: (request, o) => createTasks(t, limits.deletion, 'deletion', request, o?.signal),
    createExport: (request, o) => createTasks(t, limits.export, 'export', request, o?.signal),
    getDeletion: (id, o) => getTask(t, 'deletion', id, o?.signal),
    getExport: (id, o) => getTask(t, 'export', id, o?.signal),
    async cancelDeletion(id, o) {
      const path = `${PATHS.deletion}/${encodeURIComponent(checkTaskId(id))}`;
      // The docs: "204 NoContent or 405 MethodNotAllowed"; 405 = the job can no longer be cancelled.
      await send(t, { method: 'DELETE', path, codes: { 405: 'not_cancellable' }, ...(o?.signal ? { signal: o.signal } : {}) });
    },
    waitFor: (task, o = {}) => waitForTask(t, task, o),
  };
}

/** The options checked (a bad one throws, naming it) and turned into the one transport of a client. */
function transportOf(options: PrivacyClientOptions): Transport {
  const { token, oauthToken } = options;
  if (typeof token !== 'string' || !token) throw new HeedError('createPrivacyClient: `token` (the project token) is required');
  if (typeof oauthToken !== 'string' || !oauthToken) throw new HeedError('createPrivacyClient: `oauthToken` (the GDPR OAuth token) is required');
  const region = options.region ?? 'us';
  if (!options.baseUrl && !(region in REGIONS)) throw new HeedError(`createPrivacyClient: unknown region '${String(region)}' (us, eu or in)`);
  const fetcher = options.fetch ?? globalThis.fetch;
  if (typeof fetcher !== 'function') throw new HeedError('createPrivacyClient: no fetch available; pass `fetch`');
  const transport: Transport = {
    base: (options.baseUrl || REGIONS[region]).replace(/\/+$/, ''),
    token,
    oauthToken,
    fetch: (input, init) => fetcher(input, init),
    pacer: createPacer(positive('interval', options.interval, 1000, 0)),
    retry: {
      limit: positive('retry.limit', options.retry?.limit, 5, 0),
      backoff: positive('retry.backoff', options.retry?.backoff, 1000, 0),
      maxDelay: positive('retry.maxDelay', options.retry?.maxDelay, 60000, 0),
    },
    timeout: positive('timeout', options.timeout, 30000),
  };
  if (options.onRetry !== undefined) {
    if (typeof options.onRetry !== 'function') throw new HeedError('createPrivacyClient: onRetry must be a function');
    transport.onRetry = options.onRetry;
  }
  return transport;
}

/** One job per `limit` ids; the jobs created before a failure travel on its error (`tasks`). */
async function createTasks(t: Transport, limit: number, kind: TaskKind, request: ExportRequest, signal?: AbortSignal): Promise<PrivacyTask[]> {
  const ids = checkIds(request?.distinctIds);
  const complianceType = request.complianceType === undefined ? 'GDPR' : parseComplianceType(request.complianceType);
  if (!complianceType) throw invalid(`complianceType must be 'GDPR' or 'CCPA', got ${JSON.stringify(request.complianceType)}`);
  let disclosureType: DisclosureType | undefined;
  if (kind === 'export' && request.disclosureType !== undefined) {
    disclosureType = parseDisclosureType(request.disclosureType);
    if (!disclosureType) throw invalid(`disclosureType must be 'Data', 'Categories' or 'Sources', got ${JSON.stringify(request.disclosureType)}`);
  }
  const tasks: PrivacyTask[] = [];
  for (let i = 0; i < ids.length; i += limit) {
    const chunk = ids.slice(i, i + limit);
    const body: Record<string, unknown> = { distinct_ids: chunk, compliance_type: complianceType };
    if (disclosureType) body.disclosure_type = disclosureType;
    try {
      const answer = await send(t, { method: 'POST', path: PATHS[kind], body, ...(signal ? { signal } : {}) });
      const id = parseCreated(`POST ${PATHS[kind]}`, answer);
      tasks.push({ kind, id, distinctIds: chunk, complianceType, ...(disclosureType ? { disclosureType } : {}) });
    } catch (error) {
      // The jobs already created exist at Mixpanel: hand them over with the error.
      if (error instanceof PrivacyError && tasks.length) (error as { tasks: readonly PrivacyTask[] }).tasks = tasks.slice();
      throw error;
    }
  }
  return tasks;
}

async function getTask(t: Transport, kind: TaskKind, id: string, signal?: AbortSignal): Promise<PrivacyTaskState> {
  const path = `${PATHS[kind]}/${encodeURIComponent(checkTaskId(id))}`;
  const answer = await send(t, { method: 'GET', path, ...(signal ? { signal } : {}) });
  return parseState(`GET ${path}`, kind, id, answer, t.base);
}

/** Poll until the job ends: `pollInterval`, 1.5 times longer for each unchanged answer, up to `maxPollInterval`. */
async function waitForTask(t: Transport, task: Pick<PrivacyTask, 'id' | 'kind'>, o: WaitOptions): Promise<PrivacyTaskState> {
  const first = positive('pollInterval', o.pollInterval, 10000, 0);
  const longest = positive('maxPollInterval', o.maxPollInterval, 600000, 0);
  let previous: string | undefined;
  let unchanged = 0;
  for (;;) {
    const state = await getTask(t, task.kind, task.id, o.signal);
    o.onProgress?.(state);
    if (state.terminal) return state;
    unchanged = state.status === previous ? unchanged + 1 : 0;
    previous = state.status;
    await sleep(Math.min(first * 1.5 ** unchanged, longest), o.signal);
  }
}

const invalid = (message: string) => new PrivacyRequestError(message, 'invalid_input');

function checkIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw invalid('distinctIds must be an array of strings');
  const unique = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string' || !id) throw invalid(`every distinct_id must be a non-empty string, got ${JSON.stringify(id)}`);
    unique.add(id);
  }
  if (!unique.size) throw invalid('distinctIds is empty');
  return Array.from(unique);
}

function checkTaskId(id: unknown): string {
  if (typeof id !== 'string' || !id) throw invalid(`a task id must be a non-empty string, got ${JSON.stringify(id)}`);
  return id;
}
