import { useSyncExternalStore } from 'react';

/** Where the dashboard is: `#/collections/agent/a1` → `{ page: 'collections', params: ['agent', 'a1'] }`. */
export interface Route {
  page: 'overview' | 'collections' | 'events' | 'clients';
  params: string[];
}

const PAGES: readonly Route['page'][] = ['overview', 'collections', 'events', 'clients'];

// Hash routes: the hub serves static files only, with no fallback to index.html for other paths.
function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const page = PAGES.find((p) => p === parts[0]) ?? 'overview';
  return { page, params: page === parts[0] ? parts.slice(1) : [] };
}

let current = parse(location.hash);
const listeners = new Set<() => void>();
window.addEventListener('hashchange', () => {
  current = parse(location.hash);
  for (const l of listeners) l();
});

export function useRoute(): Route {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

export function href(page: Route['page'], ...params: string[]): string {
  return `#/${[page, ...params].map(encodeURIComponent).join('/')}`;
}

export function navigate(page: Route['page'], ...params: string[]): void {
  location.hash = href(page, ...params);
}
