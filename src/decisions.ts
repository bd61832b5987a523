import type { Config, ConsentRecord, ConsentSource, DenyOptions, GrantOptions, Properties, TrackedEvent, TrackOptions } from './types';
import type { Consent, Decision, Gate, Purposes } from './consent';
import { purposesIn } from './consent';
import type { Identity } from './identity';
import type { Outbox } from './outbox';

/** What a consent decision sets in motion, wired at init. */
export interface DecisionParts {
  consent: Consent;
  purposes: Purposes;
  config: Pick<Config, 'purposes'>;
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
  warn(message: string): void;
}

/** What `$opt_in` carries of its decision's record (a consent string in pieces of 255, Mixpanel's string limit). */
const recordProperties = (r: ConsentRecord): Properties => ({
  $consent_source: r.source,
  $consent_purposes: r.purposes,
  $consent_notice_version: r.notice,
  $consent_string: r.consentString && r.consentString.match(/.{1,255}/g),
});

/**
 * The order of a decision's effects, written once. A "no": close the gate, clear the outbox (an
 * epoch fence, requests in flight aborted), purge the stores and IndexedDB, then tell the
 * listeners, then the other tabs. Listeners therefore run on a closed gate and an empty outbox: a
 * listener that calls `flush()` sends nothing.
 */
export function createDecisions(d: DecisionParts) {
  const { consent, purposes, gate, identity, outbox, announce, config, warn } = d;

  /** After the gate closed: everything this token holds goes (memory only without `storage`). */
  const forget = (storage: boolean, source: ConsentSource) => {
    const cleared = outbox.clear(storage);
    if (storage) {
      identity.forget();
      if (d.purge) void cleared.then(d.purge);
    }
    gate.emit(source);
  };

  /** The gate opened or stayed open: what was kept in memory may be written now. */
  const allowed = (source: ConsentSource) => {
    identity.save();
    gate.emit(source);
  };

  /**
   * Drop what is queued for a purpose that is denied now (not one merely pending or expired).
   * Events carry `$purpose` where a site has more than one; updates serve the first purpose.
   */
  const sweep = () =>
    outbox.drop((_e, item) => purposes.status(((item as TrackedEvent).properties || {}).$purpose as string || config.purposes[0]) === 'denied', 'its purpose was denied');

  return {
    forget,
    sweep,
    grant(given: unknown, options: GrantOptions) {
      const list = purposesIn(config, given, 'consent.grant', warn);
      if (!list) return;
      const returning = consent.decision() === '1';
      consent.set('1'); // first: the record sees the grant
      const record = purposes.decide(list, 'granted', options);
      purposes.save();
      gate.decide(true, returning);
      allowed(record.source);
      announce('1');
      const track = options.track;
      if (track === false) return;
      const name = options.track_event_name || '$opt_in';
      // A track function (mixpanel-browser's way) gets what it got there: the app's properties only.
      if (typeof track === 'function') track(name, options.track_properties);
      else d.track(name, { ...recordProperties(record), ...options.track_properties }, { send_immediately: true, purpose: list[0] });
    },
    deny(given: unknown, options: DenyOptions) {
      const list = purposesIn(config, given, 'consent.deny', warn);
      if (!list) return;
      const open = purposes.any('granted'); // before this "no": the profile can still be deleted
      const { source } = purposes.decide(list, 'denied', options);
      if (purposes.any('granted')) {
        purposes.set('1'); // some purpose granted: Mixpanel's '1', and the answers beside it
        sweep();
        gate.emit(source);
        announce('1');
      } else if (open || !purposes.any('pending')) {
        // No purpose granted any more: the opt-out of today, the flag its only trace.
        gate.decide(false);
        if (options.delete_user !== false && open && identity.profile.$user_id !== undefined) d.deleteProfile();
        purposes.set('0');
        forget(options.clear_persistence !== false, source);
        announce('0');
      } else gate.emit(source); // a "no" while the rest is not yet asked: kept in memory only
    },
    clear() {
      purposes.set(undefined);
      // No decision may still mean "allowed" (no default opt-out, no signal): keep the identity then.
      if (gate.allowed()) allowed('api');
      else forget(true, 'api');
      announce(null);
    },
    /** A decision another tab made. */
    adopt(decision: Decision | undefined) {
      consent.adopt(decision);
      purposes.load();
      sweep();
      // The other tab purged the stores; clearing this tab's memory too fences off its late writes.
      if (gate.allowed()) gate.emit('tab');
      else forget(true, 'tab');
    },
  };
}

export type Decisions = ReturnType<typeof createDecisions>;
