/**
 * The dashboard's credentials on a hub that runs with `auth`: a bearer token given once as
 * `?token=` (then removed from the address bar, so it does not sit in history or get shared by
 * copy-paste) or typed into the sign-in panel, and kept for this tab only (sessionStorage).
 */
const KEY = 'livehub.dashboard.token';

export function initialToken(): string | undefined {
  const url = new URL(location.href);
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) {
    sessionStorage.setItem(KEY, fromQuery);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Keeps `token` for this tab and starts over with it. */
export function signIn(token: string): void {
  sessionStorage.setItem(KEY, token);
  location.reload();
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  location.reload();
}
