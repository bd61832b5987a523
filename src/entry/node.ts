import { homedir } from 'node:os';
import { join } from 'node:path';
import { trackerFactory } from '../tracker';
import type { Platform } from '../platform';
import type { EventMap } from '../types';
import { serverStages } from '../server/stages';
import { serverMethods, type NodeHeed } from '../server';
import { registerDefault } from '../server/default';
import { fileStore } from '../storage/file';
import { memoryStore } from '../storage/memory';

const NONE = {}; // one object: events share what is derived from the page

const platform: Platform = {
  // A server sends bursts: 1000 events a request (Mixpanel takes up to 2000) instead of the browser's 50.
  defaults: { batch_size: 1000, suppression_store: undefined } as Platform['defaults'],
  // Node has one store for everything: a JSON file with `persistence: 'file'`, else memory.
  store: (_kind, prefix, config, onFailure) =>
    config.persistence === 'file'
      ? fileStore(config.persistence_path || join(homedir(), '.heed', 'state.json'), prefix, onFailure)
      : memoryStore(prefix),
  // The DO_NOT_TRACK convention (consoledonottrack.com) is Node's Do Not Track.
  signal: (config) => !config.ignore_dnt && /^(1|true|yes)$/i.test(process.env.DO_NOT_TRACK || ''),
  context: () => ({ $os: process.platform }),
  page: () => NONE,
  pageview: () => ({}),
  server: serverStages,
  methods: serverMethods,
};

/** A new, uninitialised tracker; `E` maps event names to their properties. */
export const createHeed = /* @__PURE__ */ trackerFactory(platform) as <E extends EventMap = EventMap>() => NodeHeed<E>;

/** The default instance. In Node, `await heed.flush()` before the process exits. */
const heed = /* @__PURE__ */ createHeed();
export default heed;
// So the privacy handler of `heed/privacy` (its own bundle) suppresses through this tracker.
registerDefault(heed);

export { HeedError, isHeedError } from '../errors';
export type * from '../types';
export { fileSuppressions, memorySuppressions, redisSuppressions } from '../server';
export type { FileSuppressionOptions, IncomingRequest, NodeHeed, NodeInitConfig, RedisLike, RedisSuppressionOptions, RequestTracker, ServerMethods, SuppressionStore } from '../server';

// The browser's data-request helpers ask the app's own backend from a page. Shared server-rendered
// code may import them in Node too: there they reject, saying where the server-side client is.
import type { requestDataDeletion as deletion, requestDataExport as exportData, getDataRequestStatus as status, requestOptOut as optOut } from '../privacy/browser';
import { HeedError } from '../errors';
const browserOnly = (name: string) => () =>
  Promise.reject(new HeedError(`${name}() runs in the browser; on a server use createPrivacyClient from 'heed/privacy'`));
export const requestDataDeletion: typeof deletion = browserOnly('requestDataDeletion');
export const requestDataExport: typeof exportData = browserOnly('requestDataExport');
export const getDataRequestStatus: typeof status = browserOnly('getDataRequestStatus');
export const requestOptOut: typeof optOut = browserOnly('requestOptOut');
export type { DataExportOptions, DataRequestOptions, DataSubject } from '../privacy/browser';
export type { ComplianceType, DataRequestStatus, DisclosureType, OptOutStatus, TaskKind, TaskStatus } from '../privacy/types';
