import { LivehubError } from './errors.js';
import { host } from './options.js';

/**
 * When the hub is on another origin than the page: what to do if the browser refuses its answers.
 * Undefined outside a page (Node has no CORS) and for same-origin hubs.
 */
export function crossOriginHint(url: string): string | undefined {
  const page = host.location?.origin;
  if (page === undefined || !/^https?:/.test(page)) return undefined;
  let hub: string;
  try {
    hub = new URL(url).origin;
  } catch {
    return undefined;
  }
  if (hub === page) return undefined;
  return (
    `Either the hub at ${hub} is unreachable, or it refuses requests from this page's origin ${page} (CORS): ` +
    `add '${page}' to the hub's browser.allowedOrigins, or serve the app and the hub from one origin (e.g. through a dev-server proxy)`
  );
}

/**
 * A `fetch` to the hub that failed before any answer, as `network_error`. A browser reports an
 * answer it hides for lack of CORS headers exactly as it reports an unreachable host (a TypeError,
 * "Failed to fetch"), so for a hub on another origin the message names CORS and the fix.
 */
export function fetchFailed(what: string, url: string, err: unknown): LivehubError {
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  const hint = err instanceof TypeError ? crossOriginHint(url) : undefined;
  return new LivehubError('network_error', hint ? `${message}. ${hint}` : message, { cause: err });
}
