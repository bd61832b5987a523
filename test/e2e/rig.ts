import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startCollector, type Collector } from '../../collector/src/index';

const ROOT = join(__dirname, '..', '..');

/** Chromium from Debian (`apt-get install chromium`); never a downloaded build. */
export const CHROMIUM = process.env.HEED_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Rig {
  browser: Browser;
  collector: Collector;
  /** Page origin (127.0.0.1) and the ingestion host (localhost): cross-origin, as on a real site. */
  pageUrl: string;
  apiHost: string;
  close(): Promise<void>;
}

/** `mounts`: more URL prefixes served from directories (pages a test writes itself). */
export async function startRig(mounts: Record<string, string> = {}): Promise<Rig> {
  const collector = await startCollector({
    port: 0,
    db: ':memory:',
    static: {
      ...mounts,
      '/dist/': join(ROOT, 'dist'),
      '/pages/': join(__dirname, 'pages'),
      // The real mixpanel-browser, for the migration tests: what it stores is what heed inherits.
      '/vendor/mixpanel-browser/': join(ROOT, 'node_modules', 'mixpanel-browser', 'dist'),
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  return {
    browser,
    collector,
    pageUrl: `http://127.0.0.1:${collector.port}/pages/index.html`,
    apiHost: `http://localhost:${collector.port}`,
    async close() {
      await browser.close();
      await collector.close();
    },
  };
}

/** The contexts each rig opened, closed after each test by `useRig`. */
const opened = new WeakMap<Rig, Set<BrowserContext>>();

/**
 * The lifecycle the e2e suites share: one rig (collector + Chromium) per file, the collector
 * reset before each test, and every context the test opened with `newContext` closed after it.
 * The rig is filled in `beforeAll`; use it inside tests and hooks only.
 */
export function useRig(mounts?: Record<string, string>): Rig {
  const rig = {} as Rig;
  beforeAll(async () => void Object.assign(rig, await startRig(mounts)));
  afterAll(() => rig.close?.());
  beforeEach(() => fetch(`${rig.collector.url}/api/reset`, { method: 'POST' })); // clears faults too
  afterEach(async () => {
    const contexts = opened.get(rig);
    if (contexts) await Promise.all([...contexts].map((c) => c.close()));
    opened.delete(rig);
  });
  return rig;
}

/** A fresh profile (no storage) whose requests may only go to this machine. */
export async function newContext(rig: Rig, initScript?: string): Promise<BrowserContext> {
  const context = await rig.browser.newContext();
  if (!opened.has(rig)) opened.set(rig, new Set());
  opened.get(rig)!.add(context);
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  if (initScript) await context.addInitScript(initScript);
  return context;
}

export interface StorageListing {
  cookies: string[];
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  indexedDB: string[];
}

/** Everything the page's origins can hold: cookies (all, from the browser), both web storages, IndexedDB names. */
export async function listStorage(page: Page): Promise<StorageListing> {
  const inPage = await page.evaluate(async () => {
    const dump = (s: Storage) => {
      const out: Record<string, string> = {};
      for (let i = 0; i < s.length; i++) out[s.key(i)!] = s.getItem(s.key(i)!)!;
      return out;
    };
    const dbs = await indexedDB.databases();
    return { localStorage: dump(localStorage), sessionStorage: dump(sessionStorage), indexedDB: dbs.map((d) => d.name || '') };
  });
  const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`);
  return { cookies, ...inPage };
}

/** Total entries across every kind of storage. */
export const storageCount = (s: StorageListing) =>
  s.cookies.length + Object.keys(s.localStorage).length + Object.keys(s.sessionStorage).length + s.indexedDB.length;

interface StoredEvent {
  event: string;
  distinct_id: string;
  insert_id: string | null;
  properties: Record<string, unknown>;
}

export async function events(rig: Rig, query: Record<string, string> = {}): Promise<StoredEvent[]> {
  const res = await fetch(`${rig.collector.url}/api/events?${new URLSearchParams(query)}`);
  return ((await res.json()) as { events: StoredEvent[] }).events;
}

/** Ingestion requests the collector received (not static files or the read API). */
export async function ingestRequests(rig: Rig): Promise<Array<{ path: string; method: string }>> {
  const res = await fetch(`${rig.collector.url}/api/requests`);
  const all = ((await res.json()) as { requests: Array<{ path: string; method: string }> }).requests;
  return all.filter((r) => /^\/(track|engage|groups)\/?$/.test(r.path) && r.method !== 'OPTIONS');
}

/** Wait until `check` returns a truthy value (polling the collector, not sleeping a fixed time). */
export async function until<T>(check: () => Promise<T | undefined | 0 | false | null | ''>, timeoutMs = 10000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until the collector holds at least `n` events matching `query`; returns them. */
export function eventsAtLeast(rig: Rig, query: Record<string, string>, n = 1): Promise<StoredEvent[]> {
  return until(() => events(rig, query).then((e) => (e.length >= n ? e : undefined)));
}
