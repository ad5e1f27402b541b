import { PROTOCOL_VERSION, type SessionResponse } from '@livehub/protocol';
import type { FastifyInstance } from 'fastify';
import { HubError } from '../errors.js';
import type { Hub } from '../hub/hub.js';
import { clientIdOf, requestUrl } from '../transports/peer-identity.js';

/**
 * `GET /api/session`: what a connection's `welcome` says, for a client that holds none (long-poll).
 * It lives under `/api` (unlike `/healthz`, which is for probes) so that everything a client needs
 * passes a proxy that forwards only `/api` and `/ws`, and it is authenticated like the rest of
 * `/api`, so a refused token shows on the first request. No session is kept: the clientId is
 * echoed (or minted), not held, since nothing is delivered to it between polls.
 */
export function registerSessionRoute(app: FastifyInstance, deps: { hub: Hub; epoch: () => string; serverName: string }): void {
  app.get('/api/session', async (req): Promise<SessionResponse> => {
    if (deps.hub.isClosing) throw new HubError('shutting_down');
    return {
      clientId: clientIdOf(req.raw, requestUrl(req.raw) ?? new URL('http://localhost/')),
      epoch: deps.epoch(),
      seq: deps.hub.head,
      heartbeatMs: 0,
      server: deps.serverName,
      protocol: PROTOCOL_VERSION,
    };
  });
}
