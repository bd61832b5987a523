import type { Callback, ConsentListener, ConsentSource, ConsentStatus, PurposeStatuses } from '../types';
import type { Consent } from './state';
import type { Purposes } from './purposes';
import { now, stringify } from '../intrinsics';

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
  let only: readonly string[] | undefined; // a 'denied' hold for these purposes only
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
    /** The hold on `purpose` (any purpose without one: a partial hold does not close the whole gate). */
    state: (purpose?: string) => (!only || (purpose !== undefined && only.indexOf(purpose) >= 0) ? state : undefined),
    wait(replay: () => void, callback?: Callback) {
      if (waiting.length < WAIT_MAX) waiting.push([now(), replay, callback]);
      else if (callback) callback(0);
    },
    set(next: 'pending' | 'denied' | undefined, keepOnGrant: boolean | undefined, purposes?: readonly string[]) {
      state = next;
      only = next === 'denied' && purposes ? purposes.slice() : undefined;
      if (next === 'pending') keep = keepOnGrant;
      else release(!next);
    },
    /**
     * A decision ends the hold. On a grant the waiting calls are replayed if the person had granted
     * before (`returning`: a returning visitor loses no page view) or the source asked to keep them.
     */
    decide(granted: boolean, returning?: boolean) {
      state = only = undefined;
      release(granted && (keep || returning));
    },
  };
}

/** The listeners of `onConsentChange`, told once per change of what `read` gives: the status and each purpose's. */
function createListeners(warn: (message: string) => void, read: () => [ConsentStatus, PurposeStatuses]) {
  const listeners: ConsentListener[] = [];
  let shown = '';
  return {
    /** Start from what `read` gives now, without telling anyone (the status at init is not a change). */
    reset() {
      shown = stringify(read());
    },
    emit(source: ConsentSource) {
      const [status, purposes] = read();
      const seen = stringify([status, purposes]);
      if (seen === shown) return;
      shown = seen;
      for (const listener of listeners.slice()) {
        try {
          listener(status, source, { ...purposes });
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
  let purposes: Purposes | undefined;
  const hold = createHold();

  /** One purpose's status: the hold on it, else the decision's. */
  const of = (p?: string): ConsentStatus => hold.state(p) || (purposes && p !== undefined ? purposes.status(p) : consent ? consent.status() : 'pending');
  const each = (): PurposeStatuses => (purposes ? purposes.statuses(of) : {});
  /** Overall: `'granted'` while any purpose is granted, else `'pending'` while any waits. */
  const status = (purpose?: string): ConsentStatus => {
    try {
      if (purpose !== undefined || !purposes) return of(purpose); // a full hold holds each purpose too
      const all = Object.values(each());
      return all.indexOf('granted') >= 0 ? 'granted' : all.indexOf('pending') >= 0 ? 'pending' : 'denied';
    } catch {
      return 'pending';
    }
  };
  const allowed = (purpose?: string) => status(purpose) === 'granted';
  const listeners = createListeners(warn, () => [status(), each()]);

  return {
    status,
    allowed,
    /** Start deciding with `c` (and its purposes); the status it gives now is the one listeners start from. */
    use(c: Consent, p?: Purposes) {
      consent = c;
      purposes = p;
      listeners.reset();
    },
    /** `consent.own()` without the signal, which the platform reads. */
    own: (signal: boolean) => ({
      decision: consent && consent.decision(),
      signal,
      purposes: purposes ? purposes.statuses() : {},
      expired: purposes ? purposes.expired() : [],
    }),
    records: () => (purposes ? purposes.records() : []),
    /** True while a source waits for its CMP: calls are then `wait`ed, neither sent nor refused. */
    waiting: () => hold.state() === 'pending',
    wait: hold.wait,
    /** True when `what` (serving `purpose`) may go on; otherwise it is reported under `debug` and called back with 0. */
    admit(what: string, callback?: Callback, purpose?: string): boolean {
      if (allowed(purpose)) return true;
      warn(`${what} dropped: ${consent ? 'consent is ' + status(purpose) : 'init() was not called'}`);
      if (typeof callback === 'function') callback(0);
      return false;
    },
    /** `consent.hold()`: see {@link ConsentGate.hold}. */
    hold: hold.set,
    decide: hold.decide,
    /** Tell the listeners, once, when the status changed, and who changed it. */
    emit: listeners.emit,
    on: listeners.on,
  };
}

export type Gate = ReturnType<typeof createGate>;
