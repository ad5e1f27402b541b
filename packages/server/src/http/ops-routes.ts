import type { HealthResponse, HubClientsResponse, HubStatsResponse } from '@livehub/protocol';
import type { FastifyInstance } from 'fastify';
import type { Hub } from '../hub/hub.js';
import type { HubMetrics } from '../metrics.js';
import type { Store } from '../store/store.js';

export function registerOpsRoutes(app: FastifyInstance, deps: { hub: Hub; store: Store; metrics: HubMetrics; version: string }): void {
  app.get('/healthz', async (_req, reply) => {
    const closing = deps.hub.isClosing;
    const { head, floor } = await deps.store.bounds();
    const body: HealthResponse = {
      status: closing ? 'shutting_down' : 'ok',
      epoch: deps.store.epoch,
      seq: head,
      floor,
      connections: deps.hub.connectionCount,
      version: deps.version,
      // A node whose bus is down still serves (durable changes by log poll): reported, not a failure.
      bus: deps.hub.busStatus(),
    };
    return reply.status(closing ? 503 : 200).send(body);
  });

  app.get('/metrics', async (_req, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  // `/api/hub/*` shows every user's connections, addresses and channels: an admin surface when auth is on.
  app.addHook('preHandler', async (req) => {
    if (req.routeOptions.url?.startsWith('/api/hub/')) deps.hub.admin.require(req.principal, `'${req.routeOptions.url}'`);
  });

  /** Connected clients and per-channel subscriber counts on this node. */
  app.get('/api/hub/clients', async (): Promise<HubClientsResponse> => ({ clients: deps.hub.clients(), channels: deps.hub.channels() }));

  /** Events/s and deliveries/s per second over the last `seconds` (default 300, at most 600), this node. */
  app.get<{ Querystring: { seconds?: string } }>('/api/hub/stats', async (req): Promise<HubStatsResponse> => {
    const seconds = Math.min(600, Math.max(1, Number(req.query.seconds ?? 300) || 300));
    const { head, floor } = await deps.store.bounds();
    return {
      epoch: deps.store.epoch,
      seq: head,
      floor,
      connections: deps.hub.connectionCount,
      subscriptions: deps.hub.channels().reduce((n, c) => n + c.subscribers, 0),
      intervalMs: 1000,
      samples: deps.hub.rates.samples(seconds),
    };
  });
}
