import type { IncomingMessage } from 'node:http';
import { isValidClientId } from '@livehub/protocol';
import { newClientId } from '../ids.js';

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Credentials come as `Authorization: Bearer` or, where headers cannot be set (browser WebSocket, EventSource), `?token=`. */
export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = header(req, 'authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** `x-client-id` header, or `?clientId=` for browsers; a missing or malformed one gets a fresh id. */
export function clientIdOf(req: IncomingMessage, url: URL): string {
  const given = header(req, 'x-client-id') ?? url.searchParams.get('clientId') ?? undefined;
  return given !== undefined && isValidClientId(given) ? given : newClientId();
}

export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}
