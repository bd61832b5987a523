import { HeedError } from '../errors';
import type { PrivacyTask } from './types';

interface PrivacyErrorInit {
  status?: number;
  /** The server's own words (`error` of its JSON body, or its text), when it sent any. */
  serverMessage?: string;
  /** Jobs created by the same call before it failed (a long id list is several requests). */
  tasks?: readonly PrivacyTask[];
  cause?: unknown;
}

/** Base of the privacy client's errors. `isHeedError` matches it (and every subclass) by name too. */
export class PrivacyError extends HeedError {
  override readonly name: string = 'PrivacyError';
  readonly serverMessage?: string;
  /**
   * Jobs this call had already created when it failed: they exist at Mixpanel and can be polled.
   * Empty for single-request calls.
   */
  readonly tasks: readonly PrivacyTask[];
  constructor(message: string, init: PrivacyErrorInit = {}) {
    super(message, init.status, init.cause === undefined ? undefined : { cause: init.cause });
    if (init.serverMessage !== undefined) this.serverMessage = init.serverMessage;
    this.tasks = init.tasks ?? [];
  }
}

/** 401 or 403: the OAuth token is missing, wrong, expired (they last a year) or lacks the role. */
export class PrivacyAuthError extends PrivacyError {
  override readonly name = 'PrivacyAuthError' as const;
}

/** Still 429 after every retry (or the server asked to wait longer than `retry.maxDelay`). */
export class PrivacyRateLimitError extends PrivacyError {
  override readonly name = 'PrivacyRateLimitError' as const;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfter?: number;
  constructor(message: string, init: PrivacyErrorInit & { retryAfter?: number } = {}) {
    super(message, init);
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
  }
}

/**
 * Why a {@link PrivacyRequestError} happened:
 * - `invalid_input`: refused before sending (no ids, an empty id, an unknown compliance type);
 * - `rejected`: the server refused the request (a 4xx other than 401/403/429);
 * - `not_cancellable`: 405 on cancel, the job has reached STARTED (or is finished);
 * - `server`: still 5xx after every retry;
 * - `network`: no answer (connection error or `timeout`) after every retry;
 * - `bad_response`: a 2xx whose body is not the JSON either documented shape describes.
 */
export type PrivacyRequestErrorCode = 'invalid_input' | 'rejected' | 'not_cancellable' | 'server' | 'network' | 'bad_response';

/** Every other failure; `code` says which, `status` and `serverMessage` say what the server answered. */
export class PrivacyRequestError extends PrivacyError {
  override readonly name = 'PrivacyRequestError' as const;
  readonly code: PrivacyRequestErrorCode;
  constructor(message: string, code: PrivacyRequestErrorCode, init: PrivacyErrorInit = {}) {
    super(message, init);
    this.code = code;
  }
}

// Guards match by `instanceof` or by name, so errors from another copy of heed (two bundles, a
// worker, a test realm) are recognised too, like `isHeedError`.
const named =
  <T extends Error>(type: abstract new (...args: never[]) => T, pattern: RegExp) =>
  (e: unknown): e is T =>
    e instanceof type || (!!e && typeof (e as Error).name === 'string' && pattern.test((e as Error).name));

export const isPrivacyError = named(PrivacyError, /^Privacy\w*Error$/);
export const isPrivacyAuthError = named(PrivacyAuthError, /^PrivacyAuthError$/);
export const isPrivacyRateLimitError = named(PrivacyRateLimitError, /^PrivacyRateLimitError$/);
export const isPrivacyRequestError = named(PrivacyRequestError, /^PrivacyRequestError$/);
