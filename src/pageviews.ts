import type { PageviewMode, TrackedEvent } from './types';

/** What the page-view tracker needs: a way to track one, the current URL, and when to look again. */
export interface PageviewParts {
  track(): TrackedEvent | undefined;
  url(): string;
  /** Calls back on single-page-app navigations (history changes, back/forward, hash changes). */
  onUrlChange?(listener: () => void): void;
  /** Calls back when tracking becomes allowed, so a page view refused before consent is tracked then. */
  onGrant(listener: () => void): void;
}

/** The part of the URL whose change is a new page view, per `track_pageview` mode. */
const part = (mode: PageviewMode, url: string) =>
  mode === 'full-url' ? url : mode === 'url-with-path-and-query-string' ? url.split('#')[0] : url.split('#')[0].split('?')[0];

/**
 * `track_pageview` at init: one page view for this page once tracking is allowed and, in the URL
 * modes, one per navigation that changes that part of the URL. Never twice for one URL: a view
 * counts as done only once it was tracked (a refused one is tried again on the next grant).
 */
export function trackPageviews(mode: PageviewMode, p: PageviewParts): void {
  if (!mode) return;
  let last: string | undefined;
  const view = () => {
    if (mode === true && last !== undefined) return; // one per page load
    const now = part(mode, p.url());
    if (now !== last && p.track()) last = now;
  };
  view();
  p.onGrant(view);
  if (mode !== true && p.onUrlChange) p.onUrlChange(view);
}
