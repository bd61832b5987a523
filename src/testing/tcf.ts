/* eslint-disable @typescript-eslint/no-explicit-any -- a CMP API speaks untyped JSON */

/** A person's TCF choice, by id. Anything not listed is `false`, as in TCData. */
export interface TcfChoice {
  /** Purposes with consent. */
  purposes?: number[];
  /** Purposes whose legitimate interest the person did not object to. */
  legitimateInterests?: number[];
  /** Vendors with consent. */
  vendors?: number[];
  /** Vendors whose legitimate interest stands. */
  vendorLegitimateInterests?: number[];
  /** Publisher restrictions: `{ [purposeId]: { [vendorId]: 0 | 1 | 2 } }` (not allowed, consent, LI). */
  restrictions?: Record<number, Record<number, 0 | 1 | 2>>;
  /** Purpose 1 not disclosed, as the publisher's country does not require it. */
  purposeOneTreatment?: boolean;
}

export interface FakeTcfCmpOptions {
  /** What the CMP says about GDPR: `false` gives TCData with only the GDPR-does-not-apply fields. @default true */
  gdprApplies?: boolean;
  /** Also answer frames through a `__tcfapiLocator` frame and postMessage. @default true */
  locator?: boolean;
  /** The window to install into. @default window */
  window?: Window;
}

export interface FakeTcfCmp {
  /**
   * The CMP script loaded: the stub's queued calls run in order (FIFO). With a stored `choice`
   * (a returning visitor) listeners get `tcloaded`; without one the CMP shows its banner
   * (`cmpuishown`); with `gdprApplies: false`, `tcloaded` saying so.
   */
  load(choice?: TcfChoice): void;
  /** The banner is (re)opened: `cmpuishown`, every consent false and every legitimate interest true. */
  showUi(): void;
  /** The person confirmed a choice: `useractioncomplete`. */
  userAction(choice: TcfChoice): void;
  /** The CMP failed: `cmpStatus: 'error'`; from now on it answers `ping` only (others get `success: false`). */
  error(): void;
  /** How many listeners are registered. */
  readonly listeners: number;
  /** Every command received, in order. */
  readonly commands: string[];
  /** Take `__tcfapi`, the locator frame and the message handler away. */
  remove(): void;
}

const ids = (list: number[] | undefined): Record<string, boolean> => {
  const out: Record<string, boolean> = {};
  for (const id of list || []) out[id] = true;
  return out;
};

/** What the fake CMP knows and shows. */
interface TcfState {
  gdprApplies: boolean;
  cmpStatus: 'stub' | 'loaded' | 'error';
  eventStatus?: string;
  displayStatus: string;
  choice: TcfChoice;
}

/** The spec: while the UI shows, every consent is false and every legitimate interest true. */
const BANNER: TcfChoice = { legitimateInterests: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };

const base = (s: TcfState) => {
  const stub = s.cmpStatus === 'stub';
  return { gdprApplies: s.gdprApplies, cmpId: stub ? undefined : 300, cmpVersion: stub ? undefined : 1, tcfPolicyVersion: stub ? undefined : 5 };
};

const ping = (s: TcfState) => ({
  ...base(s),
  cmpLoaded: s.cmpStatus !== 'stub',
  cmpStatus: s.cmpStatus,
  displayStatus: s.displayStatus,
  apiVersion: '2.2',
  gvlVersion: s.cmpStatus === 'stub' ? undefined : 100,
});

function tcData(s: TcfState, listenerId?: number): any {
  const { choice, eventStatus } = s;
  const common = { ...base(s), eventStatus, cmpStatus: s.cmpStatus, listenerId };
  if (!s.gdprApplies) return common; // only the GDPR-does-not-apply fields (TCF CMP API v2)
  return {
    ...common,
    tcString: 'fake.' + eventStatus,
    isServiceSpecific: true,
    useNonStandardTexts: false,
    publisherCC: 'DE',
    purposeOneTreatment: !!choice.purposeOneTreatment,
    purpose: { consents: ids(choice.purposes), legitimateInterests: ids(choice.legitimateInterests) },
    vendor: { consents: ids(choice.vendors), legitimateInterests: ids(choice.vendorLegitimateInterests), disclosedVendors: {} },
    specialFeatureOptins: {},
    publisher: { consents: {}, legitimateInterests: {}, customPurpose: { consents: {}, legitimateInterests: {} }, restrictions: choice.restrictions || {} },
  };
}

/** Frames reach the CMP through a frame named `__tcfapiLocator` and postMessage; returns what takes them away. */
function serveFrames(win: any, api: (...args: any[]) => unknown): () => void {
  const receive = (event: MessageEvent) => {
    let data = event.data;
    try {
      if (typeof data === 'string') data = JSON.parse(data);
    } catch {
      return;
    }
    const call = data && data.__tcfapiCall;
    if (!call || !event.source) return;
    api(call.command, call.version, (returnValue: any, success: boolean) => {
      (event.source as Window).postMessage({ __tcfapiReturn: { returnValue, success, callId: call.callId } }, '*');
    }, call.parameter);
  };
  const frame: HTMLIFrameElement = win.document.createElement('iframe');
  frame.name = '__tcfapiLocator';
  frame.style.display = 'none';
  (win.document.body || win.document.documentElement).appendChild(frame);
  win.addEventListener('message', receive);
  return () => {
    frame.remove();
    win.removeEventListener('message', receive);
  };
}

/**
 * A spec-following `__tcfapi` (IAB TCF v2.2 CMP API) for tests: a stub that queues calls and answers
 * `ping` synchronously, then a CMP you drive: `load()`, `showUi()`, `userAction()`, `error()`.
 * Version 1 or an invalid version gets `(null, false)`; `__tcfapi()` without arguments returns the
 * stub's queue, as the IAB stub does, so a real CMP (e.g. `@iabtechlabtcf/cmpapi`) can take over.
 * @example
 * const cmp = createTcfCmp();
 * fromTCF(heed);
 * cmp.load(); // a new visitor: the banner shows
 * cmp.userAction({ purposes: [1, 8] });
 */
export function createTcfCmp(options: FakeTcfCmpOptions = {}): FakeTcfCmp {
  const win = (options.window || window) as any;
  const s: TcfState = { gdprApplies: options.gdprApplies !== false, cmpStatus: 'stub', displayStatus: 'hidden', choice: {} };
  let nextId = 0; // the IAB reference implementation counts from 0: a listenerId can be falsy
  const queue: any[][] = [];
  const listeners = new Map<number, (data: any, success: boolean) => void>();
  const commands: string[] = [];

  const run = (command: string, version: unknown, callback: any, parameter: unknown) => {
    if (command === 'ping') return callback(ping(s), true);
    if (s.cmpStatus === 'error') return callback({ ...base(s), cmpStatus: s.cmpStatus }, false);
    if (s.cmpStatus === 'stub') return void queue.push([command, version, callback, parameter]);
    if (command === 'addEventListener') {
      const id = nextId++;
      listeners.set(id, callback);
      return callback(tcData(s, id), true); // called at once, with its listenerId
    }
    if (command === 'removeEventListener') return callback(listeners.delete(parameter as number), true);
    if (command === 'getTCData') return callback(tcData(s), true); // deprecated in 2.2, still answered
    callback(null, false);
  };

  function api(this: unknown, ...args: any[]): any {
    if (!args.length) return queue; // the IAB stub hands its queue over this way
    const [command, version, callback, parameter] = args;
    commands.push(command);
    if (typeof callback !== 'function') return;
    // 2, or 0 / null / undefined for "latest"; 1 or anything else is refused.
    if (version !== 2 && version !== 0 && version != null) return callback(null, false);
    run(command, version, callback, parameter);
  }
  win.__tcfapi = api;
  const unserve = options.locator !== false && win.document ? serveFrames(win, api) : undefined;

  /** A new state: every listener is told. */
  const show = (eventStatus: string, displayStatus: string, choice: TcfChoice) => {
    Object.assign(s, { eventStatus, displayStatus, choice });
    for (const [id, callback] of Array.from(listeners)) callback(tcData(s, id), true);
  };

  return {
    load(stored) {
      if (s.cmpStatus !== 'stub') return;
      s.cmpStatus = 'loaded';
      if (s.gdprApplies && !stored) Object.assign(s, { eventStatus: 'cmpuishown', displayStatus: 'visible', choice: BANNER });
      else Object.assign(s, { eventStatus: 'tcloaded', displayStatus: 'disabled', choice: stored || {} });
      for (const call of queue.splice(0)) run(call[0], call[1], call[2], call[3]);
    },
    showUi: () => show('cmpuishown', 'visible', BANNER),
    userAction: (next) => show('useractioncomplete', 'hidden', next),
    error() {
      s.cmpStatus = 'error';
    },
    get listeners() {
      return listeners.size;
    },
    commands,
    remove() {
      if (win.__tcfapi === api) delete win.__tcfapi;
      if (unserve) unserve();
    },
  };
}
