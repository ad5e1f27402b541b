import type { HealthResponse, HubClientsResponse, HubStatsResponse, ReadyResponse } from '@livehub/protocol';
import type { FastifyInstance } from 'fastify';
import type { Hub } from '../hub/hub.js';
import type { HubMetrics } from '../metrics.js';
import type { LogBounds, Store } from '../store/store.js';

/** A database that has not answered a probe in this long counts as unreachable (ms). */
const STORE_PROBE_MS = 2000;

/** `p`, or a rejection once `ms` passed: a probe answers even when the database hangs. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function registerOpsRoutes(app: FastifyInstance, deps: { hub: Hub; store: Store; metrics: HubMetrics; version: string }): void {
  // Liveness: 200 while the process serves, whatever the database does (`store.ok` says); 503 only in shutdown.
  let lastBounds: LogBounds | undefined;
  app.get('/healthz', async (_req, reply) => {
    const closing = deps.hub.isClosing;
    let ok = true;
    try {
      lastBounds = await within(deps.store.bounds(), STORE_PROBE_MS);
    } catch {
      ok = false;
    }
    const body: HealthResponse = {
      status: closing ? 'shutting_down' : 'ok',
      epoch: deps.store.epoch,
      seq: ok ? lastBounds!.head : deps.hub.head,
      floor: lastBounds?.floor ?? 0,
      connections: deps.hub.connectionCount,
      version: deps.version,
      store: { kind: deps.store.kind, ok },
      // A node whose bus is down still serves (durable changes by log poll): reported, not a failure.
      bus: deps.hub.busStatus(),
    };
    return reply.status(closing ? 503 : 200).send(body);
  });

  // Readiness: 503 while the database does not answer (or the hub shuts down), so a load balancer sends no traffic here.
  app.get('/readyz', async (_req, reply) => {
    const closing = deps.hub.isClosing;
    let ok = true;
    try {
      await within(deps.store.ping(), STORE_PROBE_MS);
    } catch {
      ok = false;
    }
    const status = closing ? 'shutting_down' : ok ? 'ready' : 'not_ready';
    const body: ReadyResponse = { status, store: { kind: deps.store.kind, ok } };
    return reply.status(status === 'ready' ? 200 : 503).send(body);
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
