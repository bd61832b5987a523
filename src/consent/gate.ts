import type { Callback, ConsentListener, ConsentSource, ConsentStatus } from '../types';
import type { Consent } from './state';
import { now } from '../intrinsics';

/** A call kept while a consent source waits for its CMP: when it was made, and how to make it again. */
type Waiting = [at: number, replay: () => void, callback?: Callback];

/** Kept calls are replayed at most this long after they were made (heed/consent, issue #6). */
const WAIT_MS = 3e4;
const WAIT_MAX = 100;

/**
 * A consent source's hold, never persisted: 'pending' while its CMP has not answered (calls wait
 * in memory, at most 100 for 30 s), 'denied' for this page view after a CMP error.
 */
function createHold() {
  let state: 'pending' | 'denied' | undefined;
  let keep: boolean | undefined;
  let waiting: Waiting[] = [];

  /** End the wait: the kept calls (at most 30 s old) go through the gate again, or are refused. */
  const release = (replay: boolean | undefined) => {
    const calls = waiting;
    waiting = [];
    for (const [at, again, callback] of calls) {
      if (replay && now() - at < WAIT_MS) again();
      else if (callback) callback(0);
    }
  };

  return {
    state: () => state,
    wait(replay: () => void, callback?: Callback) {
      if (waiting.length < WAIT_MAX) waiting.push([now(), replay, callback]);
      else if (callback) callback(0);
    },
    set(next: 'pending' | 'denied' | undefined, keepOnGrant: boolean | undefined) {
      state = next;
      if (next === 'pending') keep = keepOnGrant;
      else release(!next);
    },
    /**
     * A decision ends the hold. On a grant the waiting calls are replayed if the person had granted
     * before (`returning`: a returning visitor loses no page view) or the source asked to keep them.
     */
    decide(granted: boolean, returning?: boolean) {
      state = undefined;
      release(granted && (keep || returning));
    },
  };
}

/** The listeners of `onConsentChange`, told once per change of status. */
function createListeners(warn: (message: string) => void) {
  const listeners: ConsentListener[] = [];
  let shown: ConsentStatus = 'pending';
  return {
    /** Start from `status` without telling anyone (the status at init is not a change). */
    reset(status: ConsentStatus) {
      shown = status;
    },
    emit(status: ConsentStatus, source: ConsentSource) {
      if (status === shown) return;
      shown = status;
      for (const listener of listeners.slice()) {
        try {
          listener(status, source);
        } catch (e) {
          warn('onConsentChange listener threw: ' + String(e));
        }
      }
    },
    on(listener: ConsentListener): () => void {
      listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
      };
    },
  };
}

/**
 * The whole gate in front of every send and store: the decision machine (once `use`d), a consent
 * source's hold with its waiting calls, and the listeners. It fails closed: before `use`, during a
 * hold, or if anything throws, the status is not 'granted'.
 */
export function createGate(warn: (message: string) => void) {
  let consent: Consent | undefined;
  const hold = createHold();
  const listeners = createListeners(warn);

  const status = (): ConsentStatus => {
    try {
      return hold.state() || (consent ? consent.status() : 'pending');
    } catch {
      return 'pending';
    }
  };
  const allowed = () => status() === 'granted';

  return {
    status,
    allowed,
    /** Start deciding with `c`; the status it gives now is the one listeners start from. */
    use(c: Consent) {
      consent = c;
      listeners.reset(status());
    },
    /** True while a source waits for its CMP: calls are then `wait`ed, neither sent nor refused. */
    waiting: () => hold.state() === 'pending',
    wait: hold.wait,
    /** True when `what` may go on; otherwise it is reported under `debug` and called back with 0. */
    admit(what: string, callback?: Callback): boolean {
      if (allowed()) return true;
      warn(`${what} dropped: ${consent ? 'consent is ' + status() : 'init() was not called'}`);
      if (typeof callback === 'function') callback(0);
      return false;
    },
    /** `consent.hold()`: see {@link ConsentGate.hold}. */
    hold: hold.set,
    decide: hold.decide,
    /** Tell the listeners, once, when the status changed, and who changed it. */
    emit: (source: ConsentSource) => listeners.emit(status(), source),
    on: listeners.on,
  };
}

export type Gate = ReturnType<typeof createGate>;
