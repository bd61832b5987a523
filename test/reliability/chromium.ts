import { join } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import type { InitConfig } from '../../src/types';
import { newContext, startRig, type Rig } from '../e2e/rig';

/** The e2e rig (Debian Chromium, every host but this machine aborted, the real collector) with the reliability pages at /reliability/. */
export const startReliabilityRig = (): Promise<Rig> => startRig({ '/reliability/': join(__dirname, 'pages') });

/** A fresh profile with the given init scripts, in order. */
export const context = (rig: Rig, ...scripts: Array<string | undefined>): Promise<BrowserContext> =>
  newContext(rig, scripts.filter(Boolean).join('\n;\n') || undefined);

/** One page (tab), the frame heed runs in, and every uncaught error it raised. */
export interface Tab {
  page: Page;
  frame: Frame;
  /** Uncaught exceptions and unhandled rejections (Playwright's `pageerror`), across navigations. */
  errors: string[];
}

/** Open `page` (under /reliability/) in `ctx`; with `frame`, heed is the page's iframe. */
export async function openTab(rig: Rig, ctx: BrowserContext, page = 'page.html', frame = false): Promise<Tab> {
  const p = await ctx.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(pageUrl(rig, page));
  return { page: p, frame: frame ? await childFrame(p) : p.mainFrame(), errors };
}

export const pageUrl = (rig: Rig, page: string) => rig.pageUrl.replace('/pages/index.html', `/reliability/${page}`);

async function childFrame(page: Page): Promise<Frame> {
  for (const end = Date.now() + 5000; Date.now() < end; ) {
    const child = page.frames().find((f) => f !== page.mainFrame() && f.url().includes('/reliability/'));
    if (child) {
      await child.waitForLoadState('load');
      return child;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the iframe never loaded');
}

/** The configuration every reliability page starts from: the collector, short batches, `{status, error}` callbacks. */
export function config(rig: Rig, extra: InitConfig = {}): InitConfig {
  return { api_host: rig.apiHost, batch_flush_interval_ms: 200, verbose: true, ...extra };
}

/** `heed.init(token, config)` in the frame (on `window[global]`), recording a throw rather than failing the test. */
export function init(frame: Frame, token: string, cfg: InitConfig, global = 'heed'): Promise<void> {
  return call(frame, 'init', [token, cfg as unknown], global);
}

/** Track events `name` number `from` to `to` - 1 through `window[global]`. */
export function track(frame: Frame, name: string, from: number, to: number, global = 'heed'): Promise<void> {
  return frame.evaluate(
    ([n, a, b, g]) => (window as unknown as { rel: { track(n: string, a: number, b: number, h: unknown): void } }).rel.track(n as string, a as number, b as number, (window as unknown as Record<string, unknown>)[g as string]),
    [name, from, to, global] as const,
  );
}

/** Run a method of `window[global]` in the frame (`people.set` reaches into `people`), recording a throw. */
export function call(frame: Frame, method: string, args: unknown[] = [], global = 'heed'): Promise<void> {
  const arg: [string, unknown[], string] = [method, args, global];
  return frame.evaluate(([m, a, g]) => {
    const w = window as unknown as Record<string, unknown> & { rel: { call(what: string, fn: () => void): void } };
    const path = m.split('.');
    const name = path.pop()!;
    const target = path.reduce((o, key) => (o as Record<string, unknown>)[key], w[g]) as Record<string, (...x: unknown[]) => unknown>;
    w.rel.call(m, () => void target[name]!(...a));
  }, arg);
}

/** What the page saw: throws from heed's calls, events `name` heed refused or dropped (by reason), writes to its stores. */
export interface PageSide {
  throws: string[];
  dropped: Record<string, number[]>;
  writes: string[];
}

/** What reached the page from heed's calls in this frame, and the outcomes (by reason) of events `name` that were not sent. */
export function pageSide(frame: Frame, name: string): Promise<PageSide> {
  return frame.evaluate((n) => {
    const w = window as unknown as { rel: { throws: string[]; dropped(n: string): Record<string, number[]> }; __writes?: string[] };
    return { throws: w.rel.throws.slice(), dropped: w.rel.dropped(n), writes: (w.__writes || []).slice() };
  }, name);
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
