import type { ConsentSource, OptInOptions, OptOutOptions, Properties, TrackOptions } from './types';
import type { Consent, Decision, Gate } from './consent';
import type { Identity } from './identity';
import type { Outbox } from './outbox';

/** What a consent decision sets in motion, wired at init. */
export interface DecisionParts {
  consent: Consent;
  gate: Gate;
  identity: Identity;
  outbox: Outbox;
  /** The platform's own cleanup once the outbox is empty (an emptied IndexedDB database). */
  purge?: () => Promise<unknown>;
  /** Tell the other tabs (`null`: the decision was cleared). */
  announce(decision: Decision | null): void;
  /** Track through the whole pipeline (the opt-in event). */
  track(event: string, props: Properties | undefined, options: TrackOptions): void;
  /** Post one `$delete` for the current person, outside the outbox that is about to be cleared. */
  deleteProfile(): void;
}

/**
 * The order of a decision's effects, written once. A "no": close the gate, clear the outbox (an
 * epoch fence, requests in flight aborted), purge the stores and IndexedDB, then tell the
 * listeners, then the other tabs. Listeners therefore run on a closed gate and an empty outbox: a
 * listener that calls `flush()` sends nothing.
 */
export function createDecisions(d: DecisionParts) {
  /** After the gate closed: everything this token holds goes (memory only without `storage`). */
  const forget = (storage: boolean, source: ConsentSource) => {
    const cleared = d.outbox.clear(storage);
    if (storage) {
      d.identity.forget();
      if (d.purge) void cleared.then(d.purge);
    }
    d.gate.emit(source);
  };

  /** The gate opened or stayed open: what was kept in memory may be written now. */
  const allowed = (source: ConsentSource) => {
    d.identity.save();
    d.gate.emit(source);
  };

  return {
    forget,
    optIn(options: OptInOptions) {
      const source = options.source || 'api';
      const returning = d.consent.decision() === '1';
      d.consent.set('1');
      d.gate.decide(true, returning);
      allowed(source);
      d.announce('1');
      const track = options.track;
      if (track === false) return;
      const name = options.track_event_name || '$opt_in';
      if (typeof track === 'function') track(name, options.track_properties);
      else d.track(name, options.track_properties, { send_immediately: true });
    },
    optOut(options: OptOutOptions) {
      d.gate.decide(false);
      if (options.delete_user !== false && d.gate.allowed() && d.identity.profile.$user_id !== undefined) d.deleteProfile();
      d.consent.set('0');
      forget(options.clear_persistence !== false, options.source || 'api');
      d.announce('0');
    },
    clear() {
      d.consent.set(undefined);
      // No decision may still mean "allowed" (no default opt-out, no signal): keep the identity then.
      if (d.gate.allowed()) allowed('api');
      else forget(true, 'api');
      d.announce(null);
    },
    /** A decision another tab made. */
    adopt(decision: Decision | undefined) {
      d.consent.adopt(decision);
      // The other tab purged the stores; clearing this tab's memory too fences off its late writes.
      if (d.gate.allowed()) d.gate.emit('tab');
      else forget(true, 'tab');
    },
  };
}

export type Decisions = ReturnType<typeof createDecisions>;
