import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PayloadFacts, Store } from './store.js';

/** The methods a route may answer. `HEAD` is served by the `GET` handler. */
export type Method = 'GET' | 'POST' | 'DELETE';

/**
 * One row of the routing table. Each concern (ingestion, read API, later GDPR and the inspector)
 * exports its own `Route[]`; `server.ts` only walks the concatenated table.
 */
export interface Route {
  /** Matched against the URL's pathname; capture groups become `ctx.params` (URI-decoded). */
  path: RegExp;
  handlers: Partial<Record<Method, Handler>>;
  /** Write a row to the `requests` table for every request to this route (ingestion routes). */
  log?: boolean;
}

export type Handler = (ctx: RequestContext) => void | Promise<void>;

/** Filled by handlers, read when the request is logged. */
export interface RequestMeta extends PayloadFacts {
  /** Items stored by this request. */
  items: number;
  /** Decoded body bytes read. */
  bytes: number;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  store: Store;
  maxBodyBytes: number;
  meta: RequestMeta;
  /**
   * Write the whole response. Objects are sent as JSON. Every response of a logged route goes
   * through here, so the `requests` row exists before the client can see the answer.
   */
  send(status: number, body: unknown, headers?: Record<string, string>): void;
}

/** An error that maps to an HTTP status; its message is the `error` the client reads. */
export class HttpError extends Error {
  override readonly name = 'HttpError' as const;
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `Allow` on a 405 or `Connection: close`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The one error body the collector uses, matching Mixpanel's verbose `{status, error}` reply. */
export function errorBody(message: string): { status: 0; error: string } {
  return { status: 0, error: message };
}
