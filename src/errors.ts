/** Base of heed's typed errors; `isHeedError` matches by name too, across realms and bundles. */
export class HeedError extends Error {
  override readonly name: string = 'HeedError';
  /** The server's `Retry-After`, in milliseconds. */
  retryAfter?: number;
  constructor(
    message: string,
    /** HTTP status when a server answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isHeedError = (e: unknown): e is HeedError =>
  e instanceof HeedError || (!!e && typeof (e as Error).name === 'string' && /^(Heed|Privacy)\w*Error$/.test((e as Error).name));
