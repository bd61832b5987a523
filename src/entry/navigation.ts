import type { DomQuery } from '../types';

const listeners: Array<() => void> = [];

/**
 * Single-page-app navigations, for every instance on the page: `pushState` and `replaceState`
 * (wrapped once; a page that made them read-only gets back/forward and hash changes only),
 * `popstate` and `hashchange`. `changed` runs first (the page cache is stale by then).
 */
export function onUrlChange(listener: () => void, changed: () => void): void {
  listeners.push(listener);
  if (listeners.length > 1) return;
  const fire = () => {
    changed();
    for (const l of listeners.slice()) l();
  };
  addEventListener('popstate', fire);
  addEventListener('hashchange', fire);
  for (const name of ['pushState', 'replaceState'] as const) {
    const native = history[name];
    if (typeof native !== 'function') continue;
    try {
      history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
        const result = native.apply(this, args);
        fire();
        return result;
      };
    } catch {
      // read-only history methods: navigations are seen through popstate/hashchange only
    }
  }
}

/** Elements `query` names: a CSS selector (a bad one names none), an element, or a list of elements. */
function elements(query: DomQuery): Element[] {
  try {
    return typeof query === 'string' ? Array.from(document.querySelectorAll(query)) : 'nodeType' in query ? [query as Element] : Array.from(query);
  } catch {
    return [];
  }
}

/** `handler` on every `kind` event of the matching elements; before the page is parsed, once it is. */
export function listen(kind: 'click' | 'submit', query: DomQuery, handler: (element: Element) => void): boolean {
  if (document.readyState === 'loading') {
    addEventListener('DOMContentLoaded', () => listen(kind, query, handler));
    return true;
  }
  const found = elements(query);
  for (const el of found) el.addEventListener(kind, () => handler(el));
  return found.length > 0;
}
