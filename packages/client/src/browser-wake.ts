import { host } from './options.js';

interface BrowserGlobals {
  addEventListener?(type: string, fn: () => void): void;
  removeEventListener?(type: string, fn: () => void): void;
  document?: { visibilityState?: string; addEventListener(type: string, fn: () => void): void; removeEventListener(type: string, fn: () => void): void };
}

/**
 * Calls `wake` when the browser comes back online or the tab becomes visible again (a reason to
 * skip the rest of a backoff wait). Returns the detach; outside a browser it does nothing.
 */
export function onBrowserWake(wake: () => void, globals: BrowserGlobals = host as BrowserGlobals): () => void {
  const g = globals;
  if (typeof g.addEventListener !== 'function' || !g.document) return () => undefined;
  const fn = (): void => {
    // `visibilitychange` also fires on hiding: only a visible (or visibility-less) page wakes.
    const visible = g.document?.visibilityState;
    if (visible === undefined || visible === 'visible') wake();
  };
  g.addEventListener('online', fn);
  g.document.addEventListener('visibilitychange', fn);
  return () => {
    g.removeEventListener?.('online', fn);
    g.document?.removeEventListener('visibilitychange', fn);
  };
}
