import type { FastifyInstance } from 'fastify';
import { ANONYMOUS, authFailureReason, type Authenticator, type Principal } from '../auth.js';
import type { HubMetrics } from '../metrics.js';
import { requestUrl, tokenOf } from '../transports/peer-identity.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; `anonymous` when the hub runs without auth. */
    principal: Principal;
  }
}

/** Every `/api/` request is authenticated with the same authenticator as the WebSocket (401 when refused). */
export function installAuthHook(app: FastifyInstance, authenticator: Authenticator, metrics: HubMetrics): void {
  // Reference-type decorators must start as null in fastify; every request sets it in the hook.
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    req.principal = ANONYMOUS;
    // The matched route, not the raw URL: routing decodes %-escapes, so `/%61pi/…` is an /api/ route too.
    const route = req.routeOptions.url;
    if (route === undefined || !route.startsWith('/api/')) return;
    const url = requestUrl(req.raw) ?? new URL('http://localhost/');
    const token = tokenOf(req.raw, url);
    try {
      req.principal = await authenticator.authenticate(token);
    } catch (err) {
      metrics.authFailed(authFailureReason(token, err));
      throw err;
    }
  });
}
