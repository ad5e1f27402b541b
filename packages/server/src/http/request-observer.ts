import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { loggableUrl } from '../log-redaction.js';
import type { HubMetrics } from '../metrics.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * What every HTTP request leaves behind: its id in the `x-request-id` response header (the `reqId`
 * of its log lines), a `debug` log line, and a latency sample labelled by route pattern, method
 * and status class: bounded labels, whatever URLs peers send. A stream (SSE) hijacks its reply
 * and is neither logged nor timed here; its connection's lines carry the same `reqId`.
 */
export function installRequestObserver(app: FastifyInstance, metrics: HubMetrics): void {
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const ms = reply.elapsedTime;
    const route = req.routeOptions.url ?? 'unmatched';
    const status = `${Math.floor(reply.statusCode / 100)}xx`;
    metrics.httpDuration.observe({ method: METHODS.has(req.method) ? req.method : 'other', route, status }, ms / 1000);
    if ((req.log as Logger).isLevelEnabled('debug')) {
      req.log.debug({ method: req.method, url: loggableUrl(req.url), route, status: reply.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  });
}
