import type { Store } from '../storage/types';
import type { Config, ConsentRecord, ConsentSource, ConsentStatus, PurposeStatuses } from '../types';
import type { Consent } from './state';
import { now, parse, stringify } from '../intrinsics';
import { defaults } from '../config';

/** A purpose's answer: status, when (ms), under which notice version. */
type Answer = [status: 'granted' | 'denied', at: number, notice?: string];

/** What is stored beside the flag: each purpose's answer and the last decisions (records). */
interface Kept {
  a: Record<string, Answer>;
  r: ConsentRecord[];
}

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
  let kept: Kept;
  let carried: boolean; // a '1' flag with nothing stored beside it

  const age = () => c.consent_max_age_days * 864e5;
  const notice = () => c.consent_notice_version;
  /** A grant made too long ago, or under another notice, no longer counts. */
  const stale = (a: Answer) => (age() > 0 && now() - a[1] >= age()) || (!!notice() && a[2] !== notice());

  /** Read what the stored flag's grant covers; only a `'1'` flag makes the stored answers count. */
  const load = () => {
    const stored = (o.consent.decision() === '1' && parse(o.flag.get(key) || '')) as Partial<Kept> | undefined;
    kept = { a: (stored && stored.a) || {}, r: stored && Array.isArray(stored.r) ? stored.r : [] };
    carried = stored === undefined;
  };

  const status = (p: string): ConsentStatus => {
    const base = o.consent.status();
    const a = kept.a[p];
    if (base === 'denied' || (a && a[0] === 'denied')) return 'denied';
    // A '1' stored by mixpanel-browser (or before purposes existed) covers the first purpose, of unknown age.
    return (a ? !stale(a) : o.consent.decision() !== '1' || (carried && p === c.purposes[0] && !age() && !notice())) ? base : 'pending';
  };
  /** Each purpose's status, by `of` (the gate adds its hold). */
  const statuses = (of: (p: string) => ConsentStatus = status): PurposeStatuses => {
    const all: PurposeStatuses = {};
    for (const p of c.purposes) all[p] = of(p);
    return all;
  };
  /** True while some purpose has status `s`. */
  const any = (s: ConsentStatus) => c.purposes.some((p) => status(p) === s);

  /**
   * Write the answers and records while some purpose is granted, where the flag cannot say it
   * all (more than one purpose, a max age or a notice); else remove them.
   */
  const save = () => {
    if ((c.purposes.length < 2 && !age() && !notice()) || !any('granted')) return o.flag.remove(key);
    let text: string;
    while (encodeURIComponent((text = stringify(kept))).length > CHARS && kept.r.length > 1) kept.r.shift();
    o.flag.set(key, text);
  };
  /** After a full opt-out or a clear: nothing but the flag stays on the device (the records stay in memory). */
  const forget = () => {
    kept.a = {};
    carried = false;
    o.flag.remove(key);
  };

  load();
  return {
    status,
    statuses,
    any,
    load,
    save,
    /** Persist `d` as the flag, and beside it the answers while a `'1'` keeps them. */
    set(d: '1' | '0' | undefined) {
      o.consent.set(d);
      if (d === '1') save();
      else forget();
    },
    /** Take one decision for `list` into memory and the records; returns its record. */
    decide(list: readonly string[], answer: Answer[0], options: { source?: ConsentSource; consentString?: string }): ConsentRecord {
      const time = now();
      for (const p of list) kept.a[p] = [answer, time, notice()];
      const record: ConsentRecord = { source: options.source || 'api', time, purposes: statuses(), notice: notice() || undefined, consentString: options.consentString };
      kept.r = kept.r.concat(record).slice(-RECORDS);
      return record;
    },
    records: () => parse(stringify(kept.r)) as ConsentRecord[],
    /** Granted purposes whose grant is too old or under another notice. */
    expired: () => c.purposes.filter((p) => kept.a[p] && kept.a[p][0] === 'granted' && stale(kept.a[p])),
  };
}

export type Purposes = ReturnType<typeof createPurposes>;

/** Each purpose option's test: a value that fails is reported and replaced by its default (at init and on `set_config`). */
const OPTIONS: Array<[name: 'purposes' | 'consent_max_age_days' | 'consent_notice_version', ok: (v: unknown) => unknown]> = [
  ['purposes', (p) => Array.isArray(p) && p.length && p.every((x, i) => typeof x === 'string' && x && p.indexOf(x) === i)],
  ['consent_max_age_days', (d) => typeof d === 'number' && d >= 0 && d < Infinity],
  ['consent_notice_version', (v) => typeof v === 'string'],
];

export function checkPurposeOptions(config: Config, warn: (m: string) => void): void {
  const c = config as unknown as Record<string, unknown>;
  for (const [name, ok] of OPTIONS)
    if (!ok(c[name])) {
      const dflt = defaults()[name];
      warn(`${name}: ${stringify(c[name])} is not usable; ${stringify(dflt)} is used`);
      c[name] = dflt;
    }
}

/** Which purposes a call names: all without an argument; `undefined` (and a warning) when one is unknown. */
export function purposesIn(config: Pick<Config, 'purposes'>, given: unknown, what: string, warn: (m: string) => void): string[] | undefined {
  // A name or a list of names (concat takes both), as a copy.
  const list: string[] = [].concat((given === undefined ? config.purposes : given) as never);
  if (list.length && list.every((p) => config.purposes.indexOf(p) >= 0)) return list;
  warn(`${what}: unknown purpose ${stringify(given)}`);
}
