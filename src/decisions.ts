import type { Config, ConsentRecord, ConsentSource, DenyOptions, GrantOptions, Properties, TrackedEvent, TrackOptions } from './types';
import type { Consent, Decision, Gate, Purposes } from './consent';
import type { Endpoint } from './transport';
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

/** The purpose a queued item serves: events carry `$purpose` (sites with more than one), updates serve the first. */
export const purposeOf = (first: string, endpoint: Endpoint, item: object): string => {
  const p = endpoint === 'track' && (item as TrackedEvent).properties && (item as TrackedEvent).properties.$purpose;
  return typeof p === 'string' ? p : first;
};

/** What `$opt_in` carries of its decision's record (a consent string in pieces of 255, Mixpanel's string limit). */
const recordProperties = (r: ConsentRecord): Properties => {
  const p: Properties = { $consent_source: r.source, $consent_purposes: r.purposes };
  if (r.notice) p.$consent_notice_version = r.notice;
  if (r.consentString) p.$consent_string = r.consentString.match(/[^]{1,255}/g);
  return p;
};

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

  /** Drop what is queued for a purpose that is denied now (not one merely pending or expired). */
  const sweep = () => {
    const first = d.config.purposes[0];
    d.outbox.drop((e, item) => d.purposes.status(purposeOf(first, e, item)) === 'denied', 'consent for its purpose was withdrawn');
  };

  /** A "no" to every granted purpose: the opt-out of today, the flag its only trace. */
  const optOut = (options: DenyOptions, source: ConsentSource, open: boolean) => {
    d.gate.decide(false);
    if (options.delete_user !== false && open && d.identity.profile.$user_id !== undefined) d.deleteProfile();
    d.consent.set('0');
    d.purposes.forget();
    forget(options.clear_persistence !== false, source);
    d.announce('0');
  };

  return {
    forget,
    sweep,
    grant(purposes: unknown, options: GrantOptions) {
      const list = purposesIn(d.config, purposes, 'consent.grant', d.warn);
      if (!list) return;
      const source = options.source || 'api';
      const returning = d.consent.decision() === '1';
      d.consent.set('1');
      const record = d.purposes.decide(list, 'granted', source, options.consentString);
      d.purposes.save();
      d.gate.decide(true, returning);
      allowed(source);
      d.announce('1');
      const track = options.track;
      if (track === false) return;
      const name = options.track_event_name || '$opt_in';
      // A track function (mixpanel-browser's way) gets what it got there: the app's properties only.
      if (typeof track === 'function') track(name, options.track_properties);
      else d.track(name, { ...recordProperties(record), ...options.track_properties }, { send_immediately: true, purpose: list[0] });
    },
    deny(purposes: unknown, options: DenyOptions) {
      const list = purposesIn(d.config, purposes, 'consent.deny', d.warn);
      if (!list) return;
      const source = options.source || 'api';
      const had = d.consent.decision() === '1';
      const open = d.purposes.granted().length > 0; // before this "no": the profile can still be deleted
      d.purposes.decide(list, 'denied', source, options.consentString);
      const left = d.purposes.statuses();
      const keys = Object.keys(left);
      // None granted: a full opt-out once a grant is withdrawn or every purpose refused; else (the rest not yet asked) memory only.
      if (keys.every((p) => left[p] !== 'granted') && (had || keys.every((p) => left[p] === 'denied'))) return optOut(options, source, open);
      const some = keys.some((p) => left[p] === 'granted');
      if (some) d.consent.set('1'); // some purpose granted: Mixpanel's '1', and the answers beside it
      d.purposes.save();
      sweep();
      d.gate.emit(source);
      if (some) d.announce('1');
    },
    clear() {
      d.consent.set(undefined);
      d.purposes.forget();
      // No decision may still mean "allowed" (no default opt-out, no signal): keep the identity then.
      if (d.gate.allowed()) allowed('api');
      else forget(true, 'api');
      d.announce(null);
    },
    /** A decision another tab made. */
    adopt(decision: Decision | undefined) {
      d.consent.adopt(decision);
      d.purposes.load();
      sweep();
      // The other tab purged the stores; clearing this tab's memory too fences off its late writes.
      if (d.gate.allowed()) d.gate.emit('tab');
      else forget(true, 'tab');
    },
  };
}

export type Decisions = ReturnType<typeof createDecisions>;
