/**
 * The Node entry's default tracker, found by the privacy handler without importing the tracker:
 * `heed/privacy` is its own bundle, so an import would be a second tracker, not the app's.
 */
const KEY = Symbol.for('heed.node.default');

/** What stops server-side tracking for a person: a Node tracker, or a suppression store's owner. */
export interface Suppressor {
  suppress(distinctId: string): Promise<unknown>;
}

export function registerDefault(heed: Suppressor): void {
  (globalThis as Record<symbol, unknown>)[KEY] = heed;
}

/** The default tracker of `heed` in this process, if the app imported it. */
export function defaultSuppressor(): Suppressor | undefined {
  const found = (globalThis as Record<symbol, unknown>)[KEY] as Suppressor | undefined;
  return found && typeof found.suppress === 'function' ? found : undefined;
}
