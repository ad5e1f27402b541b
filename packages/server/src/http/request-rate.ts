import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS } from '../auth.js';
import { HubError } from '../errors.js';
import { TokenBucket } from '../hub/token-bucket.js';

/** Most keys held at once: past it the least recently used bucket is dropped, so a flood of distinct addresses costs bounded memory. */
export const MAX_RATE_KEYS = 100_000;
/** How often buckets that have refilled are dropped (ms). */
const SWEEP_MS = 10_000;

/**
 * One token bucket per key (a principal or an address), bounded: buckets that are full again are
 * dropped by `sweep` (a new one would be the same), and past `maxKeys` the least recently used is
 * dropped. Dropping a bucket early only gives its key a fresh burst, never less than its due.
 */
export class RequestRate {
  // A Map iterates in insertion order; re-inserting on each use keeps the least recently used first.
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys = MAX_RATE_KEYS,
  ) {}

  /** Spends one token of `key`'s bucket: 0 when allowed, else the milliseconds until a token is back. */
  take(key: string, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (bucket !== undefined) {
      this.buckets.delete(key);
    } else {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket(this.perSecond, this.burst, now);
    }
    this.buckets.set(key, bucket);
    return bucket.take(now) ? 0 : bucket.msUntilToken(now);
  }

  /** Drops every bucket that has refilled to its burst; returns how many were dropped. */
  sweep(now = Date.now()): number {
    let dropped = 0;
    for (const [key, bucket] of this.buckets) {
      if (bucket.isFull(now)) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Keys held now. */
  get size(): number {
    return this.buckets.size;
  }
}

export interface RequestRateLimits {
  httpRequestsPerSecond: number;
  httpRequestBurst: number;
}

function isApiRoute(req: FastifyRequest): boolean {
  // The matched route, as the auth hook reads it: `/%61pi/…` is an /api/ route too.
  const route = req.routeOptions.url;
  return route !== undefined && route.startsWith('/api/');
}

/** `Retry-After` in whole seconds, at least 1. */
function retryAfterSec(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

function tooManyRequests(seconds: number): HubError {
  return new HubError('too_many_requests', `Request rate over limit; retry after ${seconds} s`);
}

/**
 * The HTTP request rate (`limits.httpRequestsPerSecond` / `httpRequestBurst`): every request to an
 * `/api/` route spends one token, a stream (SSE, long-poll) once when it starts. The bucket is the
 * principal's (`sub`) when the request carries a valid token, else the remote address's. Over it:
 * 429 `too_many_requests` with `Retry-After`. Install after the auth hook: a forged token is refused
 * before it names a principal, so it spends its address's budget, never the `sub` it claims.
 */
export function installRequestRate(app: FastifyInstance, limits: RequestRateLimits): void {
  const rate = new RequestRate(limits.httpRequestsPerSecond, limits.httpRequestBurst);
  const counted = new WeakSet<FastifyRequest>();
  // Requests refused before this hook (401, a refused Host or Origin) from an address over its rate: answered 429 instead.
  const overRate = new WeakMap<FastifyRequest, number>();
  const sweeper = setInterval(() => rate.sweep(), SWEEP_MS);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  const refuse = (reply: FastifyReply, seconds: number): HubError => {
    void reply.header('retry-after', String(seconds));
    return tooManyRequests(seconds);
  };

  app.addHook('onRequest', async (req, reply) => {
    if (!isApiRoute(req)) return;
    counted.add(req);
    const key = req.principal.sub !== ANONYMOUS.sub ? `sub:${req.principal.sub}` : `ip:${req.ip}`;
    const waitMs = rate.take(key);
    if (waitMs > 0) throw refuse(reply, retryAfterSec(waitMs));
  });

  // A request refused by an earlier hook never reached the one above: it counts against its address.
  app.addHook('onError', async (req) => {
    if (!isApiRoute(req) || counted.has(req)) return;
    counted.add(req);
    const waitMs = rate.take(`ip:${req.ip}`);
    if (waitMs > 0) overRate.set(req, retryAfterSec(waitMs));
  });
  // onError cannot change the answer; onSend, which runs on the error handler's reply, can.
  app.addHook('onSend', async (req, reply, payload) => {
    const seconds = overRate.get(req);
    if (seconds === undefined) return payload;
    const err = refuse(reply, seconds);
    void reply.status(err.status);
    return JSON.stringify(err.toBody());
  });
}
