import { createHeed as browserHeed, type Heed, type InitConfig } from '../../src/entry/browser';
import { resetBrowser } from './browser';
import { useNodeFetch } from './fetch';
import { startServer, type TestServer } from './server';

export interface TrackerRig {
  /** This test's recording server (a fresh one per test). */
  readonly server: TestServer;
  /** A tracker initialised with `token`, pointed at the server, flushing only when told (60 s interval). */
  start(config?: InitConfig, token?: string): Heed;
  /** Start a new server (on another port) in place of one the test closed. */
  reopen(): Promise<void>;
}

/**
 * The one tracker test rig: registers the hooks that give every test a fresh recording server and
 * put the platform back afterwards (for the browser entry: storage, cookies and patched signals).
 * Pass the Node entry's `createHeed` and no `reset` to run a suite against Node.
 */
export function useTracker(token: string, createHeed: () => Heed = browserHeed, reset: () => void = resetBrowser): TrackerRig {
  useNodeFetch(); // jsdom hides Node's fetch; a no-op where there is one
  let server: TestServer | undefined;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server?.close();
    reset();
  });
  const rig: TrackerRig = {
    get server() {
      if (!server) throw new Error('the rig server exists inside a test only');
      return server;
    },
    async reopen() {
      server = await startServer();
    },
    start(config = {}, as = token) {
      const heed = createHeed();
      heed.init(as, { api_host: rig.server.url, batch_flush_interval_ms: 60_000, ...config });
      return heed;
    },
  };
  return rig;
}
