import type { Config, DomQuery, Heed, InitConfig, Properties } from './types';
import type { Core } from './wire';
import type { AsyncStore, Store, StoreFailure } from './storage/types';
import type { LegacyFlag } from './consent';
import type { Lease, StoredBatch } from './outbox';
import type { Identity } from './identity';
import type { Server } from './server/stages';

/** What an entry point adds to each instance (Node: `suppress`, `forRequest`), given the core once `init` built it. */
export type Extension = (heed: Heed, core: () => Core | undefined, warn: (m: string) => void) => object;

/** What an entry point supplies: the platform's stores, signals and context, and the methods it adds. */
export interface Platform {
  /** A store for `persistence` / `opt_out_tracking_persistence_type` values under `prefix`. */
  store(kind: Config['persistence'], prefix: string, config: Config, onFailure: StoreFailure): Store;
  /** Where else a decision for `token` may be stored (the other persistence type, mixpanel-browser's `mp_optout`). */
  legacyFlags?(config: Config, token: string, onFailure: StoreFailure): LegacyFlag[];
  /** DNT / GPC / `DO_NOT_TRACK`, already filtered by `ignore_dnt` / `ignore_gpc`. */
  signal(config: Config): boolean;
  /** Device properties computed once per instance ($os, $browser, screen size, referrer). */
  context(): Properties;
  /** What a profile's `$set` also carries, under the caller's values (browsers: mixpanel-browser's people properties). */
  people?(): Properties;
  /** Page properties ($current_url): the same object while the page is the same, so events can share what is derived from it. */
  page(): Properties;
  /** Properties of a page view (title, path). */
  pageview(): Properties;
  /** Cross-tab messages for one token; returns a post function. */
  channel?(name: string, receive: (data: unknown) => void): (data: unknown) => void;
  /** Defaults that differ on this platform (e.g. larger batches in Node). */
  defaults?: InitConfig;
  /** Where the outbox persists batches for a token (IndexedDB, then localStorage, in browsers). */
  outbox?(token: string, onFailure: StoreFailure): AsyncStore<StoredBatch>;
  /** Remove what the platform keeps beyond the stores (an emptied IndexedDB database). */
  purge?(): Promise<unknown>;
  /** A small synchronous store for the ids of batches handed over as the page went away (localStorage). */
  markStore?(onFailure: StoreFailure): Store;
  /** Web Locks for the outbox of `token`: which instances are alive, one adoption at a time. */
  lease?(token: string): Lease | undefined;
  /** Methods beside mixpanel-browser's (Node: `suppress`, `forRequest`). */
  methods?: Extension;
  /** Server side (Node): the suppression list every item is checked against before it is queued, and events for other people. */
  server?(config: Config, identity: Identity, warn: (message: string) => void): Server;
  /** Hand a request to the browser as the page goes away (`sendBeacon`); true when it took it. */
  beacon?(url: string, body: string): boolean;
  /** False while the device is offline. */
  online?(): boolean;
  /** Page lifecycle: hidden (send now), hide (beacon what is left), back online (send now). */
  lifecycle?(on: { hidden(): void; hide(): void; online(): void }): void;
  /** Single-page-app navigations: `pushState`, `replaceState`, back/forward, hash changes. */
  onUrlChange?(listener: () => void): void;
  /** `track_links` / `track_forms`: call `handler` on each click / submit of the matching elements; false when none matched. */
  listen?(kind: 'click' | 'submit', query: DomQuery, handler: (element: Element) => void): boolean;
}
