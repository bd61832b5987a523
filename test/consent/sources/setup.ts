/**
 * What the consent-source tests share: a real HTTP server counting what arrives, a tracker pointed
 * at it, and a record of every consent change with its source.
 */
import { createHeed, type ConsentSource, type ConsentStatus, type Heed, type InitConfig } from '../../../src/entry/browser';
import { localEntries, patch, resetBrowser } from '../../helpers/browser';
import { useNodeFetch } from '../../helpers/fetch';
import { startServer, type TestServer } from '../../helpers/server';

export const TOKEN = 'sourcesTok';
export const FLAG = '__mp_opt_in_out_' + TOKEN;
export const PROFILE = `mp_${TOKEN}_mixpanel`;

export interface World {
  server: TestServer;
  heed: Heed;
  /** Every onConsentChange call, as `status:source`. */
  changes: string[];
  /** Names of the events the server accepted, in order. */
  sent(): string[];
  /** Flush, wait until the server is idle, and return the accepted event names. */
  settle(): Promise<string[]>;
}

const worlds: World[] = [];

/** Register the hooks; returns a function that starts a tracker for one test. */
export function useWorld(): (config?: InitConfig, stored?: '1' | '0') => Promise<World> {
  useNodeFetch();
  afterEach(async () => {
    // Silence this test's trackers before the next test's storage and server: deliver what they
    // may send, then close their gates (a closed gate also holds back what is still queued).
    for (const w of worlds.splice(0)) {
      await w.heed.flush();
      w.heed.consent.hold('denied', 'test');
      await w.server.close();
    }
    resetBrowser();
    // (A page script's `function gtag` cannot be deleted; the snippet defines it again anyway.)
    for (const key of ['__tcfapi', '__gpp', 'dataLayer', 'myLayer']) delete (window as unknown as Record<string, unknown>)[key];
    document.querySelectorAll('iframe').forEach((f) => f.remove());
  });
  return async (config = {}, stored) => {
    const server = await startServer();
    if (stored) localStorage.setItem(FLAG, stored);
    const heed = createHeed();
    heed.init(TOKEN, { api_host: server.url, batch_flush_interval_ms: 50, ...config });
    const changes: string[] = [];
    heed.onConsentChange((status: ConsentStatus, source: ConsentSource) => void changes.push(`${status}:${source}`));
    const sent = () => server.accepted('track').map((e) => e.event as string);
    const world: World = {
      server,
      heed,
      changes,
      sent,
      async settle() {
        await heed.flush();
        await server.quiet(60);
        return sent();
      },
    };
    worlds.push(world);
    return world;
  };
}

/** localStorage keys, sorted. */
export const stored = () => Object.keys(localEntries()).sort();

/** Turn Global Privacy Control on for this test. */
export const gpcOn = () => patch(Navigator.prototype, 'globalPrivacyControl', { get: () => true });

/** Make the document look as if it were still being parsed; returns "parsing is done". */
export function stillParsing(): () => void {
  let state: DocumentReadyState = 'loading';
  patch(document, 'readyState', { get: () => state });
  return () => {
    state = 'interactive';
    document.dispatchEvent(new Event('DOMContentLoaded', { bubbles: true }));
  };
}
