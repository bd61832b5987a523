import type { Store } from '../storage/types';
import type { Config, ConsentRecord, ConsentSource, ConsentStatus, PurposeStatuses } from '../types';
import type { Consent } from './state';
import { now, parse, stringify } from '../intrinsics';

/** A purpose's answer: status, when (ms), under which notice version. */
type Answer = [status: 'granted' | 'denied', at: number, notice?: string];

const DAY = 864e5;
/** Records kept at most, and their size once URI-encoded: they must fit one cookie (4 KB) with the flag beside them. */
const RECORDS = 10;
const CHARS = 3000;

export interface PurposeParts {
  /** The flag's store: the purposes' key sits beside the flag, `<flag key>_purposes`. */
  flag: Store;
  key: string;
  consent: Consent;
  config: Pick<Config, 'purposes' | 'consent_max_age_days' | 'consent_notice_version'>;
}

/**
 * Each purpose's answer and the last decisions, on top of the flag (which keeps Mixpanel's
 * meaning: `'1'` while any purpose is granted). They are written beside the flag only while some
 * purpose is granted, and only where the flag cannot say it all: a site with more than one
 * purpose, a max age or a notice version. Anything unknown is not granted.
 */
export function createPurposes(o: PurposeParts) {
  const key = o.key + '_purposes';
  const c = o.config;
  let answers: Record<string, Answer> = {};
  let records: ConsentRecord[] = [];
  let carried = false; // a '1' flag with no answers stored beside it

  const age = () => c.consent_max_age_days * DAY;
  const notice = () => c.consent_notice_version;
  /** A grant made too long ago, or under another notice, no longer counts. */
  const stale = (a: Answer) => (age() > 0 && now() - a[1] >= age()) || (!!notice() && a[2] !== notice());

  /** Read what the stored flag's grant covers; only a `'1'` flag makes the stored answers count. */
  const load = () => {
    const stored = (o.consent.decision() === '1' && parse(o.flag.get(key) || '')) as { a?: Record<string, Answer>; r?: ConsentRecord[] } | undefined;
    answers = (stored && stored.a) || {};
    records = stored && Array.isArray(stored.r) ? stored.r : [];
    carried = stored === undefined;
  };

  const status = (p: string): ConsentStatus => {
    const base = o.consent.status();
    const a = answers[p];
    if (base === 'denied' || (a && a[0] === 'denied')) return 'denied';
    if (a) return stale(a) ? 'pending' : base;
    // A '1' stored by mixpanel-browser (or before purposes existed) covers the first purpose, of unknown age.
    return o.consent.decision() !== '1' || (carried && p === c.purposes[0] && !age() && !notice()) ? base : 'pending';
  };
  const statuses = (): PurposeStatuses => {
    const all: PurposeStatuses = {};
    for (const p of c.purposes) all[p] = status(p);
    return all;
  };
  const granted = () => c.purposes.filter((p) => status(p) === 'granted');

  load();
  return {
    status,
    statuses,
    granted,
    load,
    /**
     * Write the answers and records while some purpose is granted, where the flag cannot say it
     * all (more than one purpose, a max age or a notice); else remove them.
     */
    save() {
      if ((c.purposes.length < 2 && !age() && !notice()) || !granted().length) return o.flag.remove(key);
      let text: string;
      while (encodeURIComponent((text = stringify({ a: answers, r: records }))).length > CHARS && records.length > 1) records.shift();
      o.flag.set(key, text);
    },
    /** Take one decision for `list` into memory and the records; returns its record. */
    decide(list: readonly string[], answer: Answer[0], source: ConsentSource, consentString?: string): ConsentRecord {
      const time = now();
      for (const p of list) answers[p] = [answer, time, notice()];
      const record: ConsentRecord = { source, time, purposes: statuses(), notice: notice() || undefined, consentString };
      records = records.concat(record).slice(-RECORDS);
      return record;
    },
    /** After a full opt-out: nothing but the flag stays on the device (the records stay in memory). */
    forget() {
      answers = {};
      carried = false;
      o.flag.remove(key);
    },
    records: () => parse(stringify(records)) as ConsentRecord[],
    /** Granted purposes whose grant is too old or under another notice. */
    expired: () => c.purposes.filter((p) => answers[p] && answers[p][0] === 'granted' && stale(answers[p])),
  };
}

export type Purposes = ReturnType<typeof createPurposes>;

/** Check the purpose options (at init and on `set_config`): a bad value is reported and replaced by its default. */
export function checkPurposeOptions(config: Config, warn: (m: string) => void): void {
  const c = config as unknown as Record<string, unknown>;
  const bad = (name: string, dflt: unknown) => (warn(`${name}: ${stringify(c[name])} is not usable; ${stringify(dflt)} is used`), (c[name] = dflt));
  const p: unknown[] = config.purposes;
  const days = config.consent_max_age_days;
  if (!Array.isArray(p) || !p.length || !p.every((x, i) => typeof x === 'string' && x && p.indexOf(x) === i)) bad('purposes', ['analytics']);
  if (typeof days !== 'number' || !(days >= 0 && days < Infinity)) bad('consent_max_age_days', 0);
  if (typeof config.consent_notice_version !== 'string') bad('consent_notice_version', '');
}

/** Which purposes a call names: all without an argument; `undefined` (and a warning) when one is unknown. */
export function purposesIn(config: Pick<Config, 'purposes'>, given: unknown, what: string, warn: (m: string) => void): string[] | undefined {
  const list = given === undefined ? config.purposes : typeof given === 'string' ? [given] : given;
  if (Array.isArray(list) && list.length && list.every((p) => config.purposes.indexOf(p) >= 0)) return list.slice();
  warn(`${what}: unknown purpose ${stringify(given)}`);
}
