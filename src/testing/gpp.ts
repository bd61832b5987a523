/* eslint-disable @typescript-eslint/no-explicit-any -- a CMP API speaks untyped JSON */

/** A US section's fields by name (`SaleOptOut: 1` is opted out, `2` did not), plus its GPC sub-section. */
export type GppSection = Record<string, number | number[] | boolean | undefined> & { Gpc?: boolean };

export interface GppState {
  /** Sections by prefix (`usnat`, `usca`, `uspv1`, ...); `tcfeuv2` may be listed to make it applicable. */
  sections?: Record<string, GppSection>;
  /** Applicable section ids; `[-1]` when none applies. @default the ids of `sections` */
  applicable?: number[];
}

export interface FakeGppCmpOptions {
  /** A GPP 1.0-style CMP: commands return their answer instead of (only) calling back, and there is no `signalStatus`. @default false */
  legacy?: boolean;
  /** The window to install into. @default window */
  window?: Window;
}

export interface FakeGppCmp {
  /**
   * The CMP loaded: `cmpStatus` 'loaded', `cmpDisplayStatus`, `signalStatus` 'not ready', one
   * `sectionChange` per section, `signalStatus` 'ready' (the spec's order).
   */
  load(state?: GppState): void;
  /** The person changed a choice: `signalStatus` 'not ready', `sectionChange`s, `signalStatus` 'ready'. */
  update(state: GppState): void;
  /** The CMP failed: an `error` event and `cmpStatus` 'error'. */
  error(): void;
  /** Every event sent, in order, as `eventName:data`. */
  readonly events: string[];
  readonly listeners: number;
  remove(): void;
}

const IDS: Record<string, number> = {
  tcfeuv2: 2, tcfcav1: 5, uspv1: 6, usnat: 7, usca: 8, usva: 9, usco: 10, usut: 11, usct: 12, usfl: 13,
  usmt: 14, usor: 15, ustx: 16, usde: 17, usia: 18, usne: 19, usnh: 20, usnj: 21, ustn: 22, usmn: 23,
  usmd: 24, usin: 25, usky: 26, usri: 27,
};

/** What the fake CMP knows and shows. */
interface GppCmpState {
  legacy: boolean;
  cmpStatus: string;
  signalStatus: string;
  displayStatus: string | null;
  state: GppState;
}

const applicable = (state: GppState) => state.applicable || (state.sections ? Object.keys(state.sections).map((k) => IDS[k]) : [-1]);

/** The spec's form: an array per section, the core first and GPC as `{ SubsectionType: 1, Gpc }`. */
function parsedSections(state: GppState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, fields] of Object.entries(state.sections || {})) {
    const { Gpc, ...core } = fields;
    out[name] = Gpc === undefined ? [core] : [core, { SubsectionType: 1, Gpc }];
  }
  return out;
}

function pingData(s: GppCmpState): any {
  const stub = s.cmpStatus === 'stub';
  const p: any = {
    gppVersion: s.legacy ? '1.0' : '1.1',
    cmpStatus: s.cmpStatus,
    cmpDisplayStatus: s.displayStatus,
    supportedAPIs: ['2:tcfeuv2', '7:usnat', '8:usca'],
    cmpId: stub ? 0 : 300,
    sectionList: stub ? [] : applicable(s.state).filter((id) => id > 0),
    applicableSections: stub ? [0] : applicable(s.state),
    gppString: stub ? '' : 'DBABM~fake',
    parsedSections: stub ? {} : parsedSections(s.state),
  };
  if (!s.legacy) p.signalStatus = s.signalStatus;
  return p;
}

/**
 * A spec-following `__gpp` (IAB GPP CMP API 1.1) for tests: a stub answering `ping` and
 * `addEventListener` at once, then a CMP that emits the spec's event order. `parsedSections` uses
 * the spec's form: an array per section, the core first and GPC as `{ SubsectionType: 1, Gpc }`.
 * `__gpp()` returns the stub's queue and `__gpp('events')` its listeners, as the IAB stub does, so
 * `@iabgpp/cmpapi` can take over.
 * @example
 * const cmp = createGppCmp();
 * fromGPP(heed);
 * cmp.load({ sections: { usnat: { SaleOptOut: 2, SharingOptOut: 2 } } });
 */
export function createGppCmp(options: FakeGppCmpOptions = {}): FakeGppCmp {
  const win = (options.window || window) as any;
  const s: GppCmpState = { legacy: !!options.legacy, cmpStatus: 'stub', signalStatus: 'not ready', displayStatus: null, state: {} };
  let nextId = 1;
  const listeners = new Map<number, { callback: any; parameter: unknown }>();
  const events: string[] = [];
  const event = (eventName: string, listenerId: number, data: unknown) => ({ eventName, listenerId, data, pingData: pingData(s) });

  const fire = (eventName: string, data: unknown) => {
    events.push(eventName + ':' + String(data));
    for (const [id, l] of Array.from(listeners)) l.callback(event(eventName, id, data), true);
  };

  function api(...args: any[]): any {
    if (!args.length) return []; // nothing left queued: every generic command is answered at once
    const [command, callback, parameter] = args;
    if (command === 'events') return Array.from(listeners, ([id, l]) => ({ id, ...l }));
    let answer: any = null;
    let success = true;
    if (command === 'ping') answer = pingData(s);
    else if (command === 'addEventListener') {
      const id = nextId++;
      listeners.set(id, { callback, parameter });
      answer = event('listenerRegistered', id, true);
    } else if (command === 'removeEventListener') answer = listeners.delete(parameter as number);
    else if (command === 'hasSection') answer = s.cmpStatus === 'stub' ? null : !!(s.state.sections || {})[parameter as string];
    else if (command === 'getSection') answer = s.cmpStatus === 'stub' ? null : parsedSections(s.state)[parameter as string] ?? null;
    else success = false;
    // GPP 1.0 (and the spec's own sample stub, IAB GPP #87) return the answer.
    if (s.legacy) return answer;
    if (typeof callback === 'function') callback(answer, success);
  }
  win.__gpp = api;

  const publish = (next: GppState) => {
    s.state = next;
    fire('signalStatus', (s.signalStatus = 'not ready'));
    for (const name of Object.keys(next.sections || {})) fire('sectionChange', name);
    fire('signalStatus', (s.signalStatus = 'ready'));
  };

  return {
    load(initial = {}) {
      s.cmpStatus = 'loaded';
      fire('cmpStatus', 'loaded');
      s.displayStatus = 'hidden';
      fire('cmpDisplayStatus', 'hidden');
      publish(initial);
    },
    update: publish,
    error() {
      s.cmpStatus = 'error';
      fire('error', 'fake CMP failure');
      fire('cmpStatus', 'error');
    },
    events,
    get listeners() {
      return listeners.size;
    },
    remove() {
      if (win.__gpp === api) delete win.__gpp;
    },
  };
}
