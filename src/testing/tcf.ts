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
  const gdprApplies = options.gdprApplies !== false;
  let cmpStatus: 'stub' | 'loaded' | 'error' = 'stub';
  let eventStatus: string | undefined;
  let displayStatus = 'hidden';
  let choice: TcfChoice = {};
  let nextId = 0; // the IAB reference implementation counts from 0: a listenerId can be falsy
  const queue: any[][] = [];
  const listeners = new Map<number, (data: any, success: boolean) => void>();
  const commands: string[] = [];

  const base = () => ({ gdprApplies, cmpId: cmpStatus === 'stub' ? undefined : 300, cmpVersion: cmpStatus === 'stub' ? undefined : 1, tcfPolicyVersion: cmpStatus === 'stub' ? undefined : 5 });

  const tcData = (listenerId?: number): any => {
    const common = { ...base(), eventStatus, cmpStatus, listenerId };
    if (!gdprApplies) return common; // only the GDPR-does-not-apply fields (TCF CMP API v2)
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
  };

  const run = (command: string, version: unknown, callback: any, parameter: unknown) => {
    if (command === 'ping') {
      return callback({ ...base(), cmpLoaded: cmpStatus !== 'stub', cmpStatus, displayStatus, apiVersion: '2.2', gvlVersion: cmpStatus === 'stub' ? undefined : 100 }, true);
    }
    if (cmpStatus === 'error') return callback({ ...base(), cmpStatus }, false);
    if (cmpStatus === 'stub') return void queue.push([command, version, callback, parameter]);
    if (command === 'addEventListener') {
      const id = nextId++;
      listeners.set(id, callback);
      return callback(tcData(id), true); // called at once, with its listenerId
    }
    if (command === 'removeEventListener') return callback(listeners.delete(parameter as number), true);
    if (command === 'getTCData') return callback(tcData(), true); // deprecated in 2.2, still answered
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

  // Frames reach the CMP through a frame named __tcfapiLocator and postMessage.
  let frame: HTMLIFrameElement | undefined;
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
  if (options.locator !== false && win.document) {
    frame = win.document.createElement('iframe');
    frame!.name = '__tcfapiLocator';
    frame!.style.display = 'none';
    (win.document.body || win.document.documentElement).appendChild(frame!);
    win.addEventListener('message', receive);
  }

  const emit = () => {
    for (const [id, callback] of Array.from(listeners)) callback(tcData(id), true);
  };

  return {
    load(stored) {
      if (cmpStatus !== 'stub') return;
      cmpStatus = 'loaded';
      if (gdprApplies && !stored) {
        eventStatus = 'cmpuishown';
        displayStatus = 'visible';
        choice = { legitimateInterests: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
      } else {
        eventStatus = 'tcloaded';
        displayStatus = 'disabled';
        choice = stored || {};
      }
      for (const call of queue.splice(0)) run(call[0], call[1], call[2], call[3]);
    },
    showUi() {
      eventStatus = 'cmpuishown';
      displayStatus = 'visible';
      // The spec: every consent false and every legitimate interest true while the UI shows.
      choice = { legitimateInterests: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
      emit();
    },
    userAction(next) {
      eventStatus = 'useractioncomplete';
      displayStatus = 'hidden';
      choice = next;
      emit();
    },
    error() {
      cmpStatus = 'error';
    },
    get listeners() {
      return listeners.size;
    },
    commands,
    remove() {
      if (win.__tcfapi === api) delete win.__tcfapi;
      if (frame) frame.remove();
      win.removeEventListener('message', receive);
    },
  };
}
