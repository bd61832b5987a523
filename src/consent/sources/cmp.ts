/* eslint-disable @typescript-eslint/no-explicit-any -- CMP APIs speak untyped JSON */
import { attach, parsed, type SourceOptions, type Stop, type Views, type Tracker } from './attach';

type Callback = (value: any, success?: boolean) => void;
/** One CMP API call; the answer comes through `callback`, possibly more than once. */
type Call = (command: string, parameter: unknown, callback: Callback) => void;

/** Options of the sources that talk to an IAB CMP API. */
export interface CmpOptions extends SourceOptions {
  /**
   * How long the CMP may take to load and answer before this page view is denied, not persisted;
   * a later answer still counts. A person looking at the banner is not timed.
   * @default 10000
   * @example fromTCF(heed, { timeoutMs: 3000 })
   */
  timeoutMs?: number;
  /**
   * No CMP API (nor its locator frame) by DOMContentLoaded: deny this page view instead of leaving
   * the decision to the tracker's own rule.
   * @default false
   * @example fromTCF(heed, { requireCmp: true })
   */
  requireCmp?: boolean;
}

/**
 * The CMP API of an ancestor window, for a script running in a frame: walk up to the window that
 * holds the CMP's locator frame (`__tcfapiLocator`, `__gppLocator`) and talk to it with
 * postMessage, as the TCF and GPP CMP API specs describe. Answers may arrive as JSON strings.
 */
function viaFrame(api: string, version?: number): [Call, () => void] | undefined {
  let target: Window | undefined;
  for (let w: Window = window; !target; w = w.parent) {
    try {
      if ((w.frames as any)[api + 'Locator']) target = w;
    } catch {
      // a cross-origin ancestor may refuse even the named frame lookup: keep walking up
    }
    if (w === w.parent) break; // the top window is its own parent
  }
  if (!target) return;
  const callbacks: Record<string, Callback> = {};
  let n = 0;
  const receive = (e: MessageEvent) => {
    let data = e.data;
    try {
      if (typeof data === 'string') data = JSON.parse(data);
    } catch {
      return;
    }
    const r = e.source === target && data && data[api + 'Return'];
    if (r && callbacks[r.callId]) callbacks[r.callId](r.returnValue, r.success);
  };
  addEventListener('message', receive);
  return [
    (command, parameter, callback) => {
      callbacks[++n] = callback;
      target!.postMessage({ [api + 'Call']: { command, parameter, version, callId: n } }, '*');
    },
    () => removeEventListener('message', receive),
  ];
}

/**
 * What TCF and GPP share: find the API (or its locator frame, or wait for DOMContentLoaded), add a
 * listener, deny the page view if the CMP does not answer in time, remove the listener on stop.
 * `read` turns one answer into a view, or `0` for "the stub or a loading CMP: keep waiting".
 */
export function watchCmp(
  heed: Tracker,
  name: string,
  options: CmpOptions,
  api: '__tcfapi' | '__gpp',
  version: number | undefined,
  invoke: (f: any, command: string, parameter: unknown, callback: Callback) => void,
  read: (data: any, success?: boolean) => Views | 0,
  /** The consent string an answer carries (TC string, GPP string), for the record. */
  text: (data: any) => unknown,
): Stop {
  const source = attach(heed, name, options);
  let call: Call | undefined;
  let close = () => undefined as void;
  let id: unknown;
  let live = true;
  const timer = setTimeout(() => source.set('error'), options.timeoutMs ?? 1e4);
  const listen: Callback = (data, success) => {
    if (!live) return;
    if (data && data.listenerId != null) id = data.listenerId;
    const view = read(data, success);
    if (view !== 0) {
      clearTimeout(timer);
      const t = text(data);
      source.set(view, data && data.eventStatus === 'useractioncomplete', typeof t === 'string' && t ? t : undefined);
    }
  };
  const start = () => {
    // Looked up on every call: the CMP replaces its stub's function when it loads.
    if (typeof (window as any)[api] === 'function') call = (command, parameter, callback) => invoke((window as any)[api], command, parameter, callback);
    else [call, close] = viaFrame(api, version) || [call, close];
    try {
      if (call) call('addEventListener', undefined, listen);
    } catch {
      listen(null, false); // a CMP that throws is a CMP in error
    }
    return call;
  };
  if (!start()) {
    parsed(() => {
      if (!live || start()) return;
      // No CMP on this page: no decision, or "no" for this page view when one is required.
      clearTimeout(timer);
      source.set(options.requireCmp ? 'error' : undefined);
    });
  }
  return {
    stop() {
      live = false;
      clearTimeout(timer);
      try {
        if (call && id !== undefined) call('removeEventListener', id, () => undefined);
      } catch {
        // nothing left to remove
      }
      close();
      source.stop();
    },
  };
}
