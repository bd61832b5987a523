/**
 * One request at a time, at least `interval` ms after the previous one *finished*. Mixpanel allows
 * 1 request/s for the GDPR API; spacing from the end of the previous exchange (rather than its
 * start) keeps the arrival times a second apart however the network delays each request.
 */
export interface Pacer {
  /** Run `task` in its turn. Aborting `signal` rejects at once and gives the turn away unused. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Nothing starts before `ms` from now (a `Retry-After`, a backoff): it applies to every caller. */
  hold(ms: number): void;
}

export function createPacer(interval: number): Pacer {
  let queue: Promise<void> = Promise.resolve();
  let notBefore = 0;
  return {
    run(task, signal) {
      return new Promise((resolve, reject) => {
        const abort = () => reject(abortReason(signal));
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
        queue = queue.then(async () => {
          let sent = false;
          try {
            await sleep(notBefore - Date.now(), signal);
            sent = true;
            resolve(await task());
          } catch (error) {
            reject(error);
          } finally {
            signal?.removeEventListener('abort', abort);
            // A turn given away by an abort while waiting costs nothing; a started request counts.
            if (sent) notBefore = Math.max(notBefore, Date.now() + interval);
          }
        });
      });
    },
    hold(ms) {
      notBefore = Math.max(notBefore, Date.now() + ms);
    },
  };
}

/** The signal's own reason (an `AbortError` DOMException unless the caller gave one). */
export function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms` (at once for ms <= 0); rejects with the abort reason if `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    if (ms <= 0) return resolve();
    const done = () => {
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}
