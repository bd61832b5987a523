import { homedir } from 'node:os';
import { join } from 'node:path';
import { trackerFactory } from '../tracker';
import type { Platform } from '../platform';
import { fileStore } from '../storage/file';
import { memoryStore } from '../storage/memory';

const NONE = {}; // one object: events share what is derived from the page

const platform: Platform = {
  // A server sends bursts: 1000 events a request (Mixpanel takes up to 2000) instead of the browser's 50.
  defaults: { batch_size: 1000 },
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
};

/** A new, uninitialised tracker; `E` maps event names to their properties. */
export const createHeed = /* @__PURE__ */ trackerFactory(platform);

/** The default instance. In Node, `await heed.flush()` before the process exits. */
const heed = /* @__PURE__ */ createHeed();
export default heed;

export { HeedError, isHeedError } from '../errors';
export type * from '../types';

// The browser's data-request helpers ask the app's own backend from a page. Shared server-rendered
// code may import them in Node too: there they reject, saying where the server-side client is.
import type { requestDataDeletion as deletion, requestDataExport as exportData, getDataRequestStatus as status } from '../privacy/browser';
import { HeedError } from '../errors';
const browserOnly = (name: string) => () =>
  Promise.reject(new HeedError(`${name}() runs in the browser; on a server use createPrivacyClient from 'heed/privacy'`));
export const requestDataDeletion: typeof deletion = browserOnly('requestDataDeletion');
export const requestDataExport: typeof exportData = browserOnly('requestDataExport');
export const getDataRequestStatus: typeof status = browserOnly('getDataRequestStatus');
export type { DataExportOptions, DataRequestOptions, DataSubject } from '../privacy/browser';
export type { ComplianceType, DataRequestStatus, DisclosureType, TaskKind, TaskStatus } from '../privacy/types';
