import type { RequestId } from '@livehub/protocol/core';
import { LivehubError } from './errors.js';

/** What a request id stands for until the hub answers it. */
export type PendingRequest<S> =
  | { kind: 'subscribe'; sub: S }
  | { kind: 'unsubscribe' }
  | { kind: 'publish'; resolve(): void; reject(err: unknown): void; timer: ReturnType<typeof setTimeout> };

/**
 * Every request sent over the connection and not yet answered, by id: subscribes (to route
 * `subscribed`/`error`), unsubscribes, and publishes waiting for their `ack`. Ids are unique for
 * the client's life, so an answer from an old connection never matches a new request.
 */
export class PendingRequests<S> {
  private readonly byId = new Map<RequestId, PendingRequest<S>>();
  private nextId = 1;

  /** Number of requests waiting for an answer. */
  get size(): number {
    return this.byId.size;
  }

  /** A fresh request id for `sub`'s subscribe; `previous` (its earlier request) is forgotten. */
  subscribe(sub: S, previous?: RequestId): RequestId {
    if (previous !== undefined) this.byId.delete(previous);
    const id = this.nextId++;
    this.byId.set(id, { kind: 'subscribe', sub });
    return id;
  }

  unsubscribe(): RequestId {
    const id = this.nextId++;
    this.byId.set(id, { kind: 'unsubscribe' });
    return id;
  }

  /**
   * A publish waiting for its ack: `acked` resolves on {@link answer} with an `ack`, rejects on an
   * `error`, on {@link rejectAll}, or with `timeout` after `timeoutMs`.
   */
  publish(timeoutMs: number, what: string): { id: RequestId; acked: Promise<void> } {
    const id = this.nextId++;
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.byId.delete(id);
        reject(new LivehubError('timeout', `No ack for ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.byId.set(id, { kind: 'publish', resolve, reject, timer });
    });
    return { id, acked };
  }

  get(id: RequestId): PendingRequest<S> | undefined {
    return this.byId.get(id);
  }

  /** Forgets `id` without settling it (a publish that could not be sent: the caller retries over HTTP). */
  forget(id: RequestId): void {
    const p = this.byId.get(id);
    if (p?.kind === 'publish') clearTimeout(p.timer);
    this.byId.delete(id);
  }

  /**
   * The hub answered `id`: an `ack` (no `err`) resolves a publish, an `error` rejects it. Returns
   * what was pending, removed — except a subscribe, which stays until it is replaced or dropped.
   */
  answer(id: RequestId, err?: unknown): PendingRequest<S> | undefined {
    const p = this.byId.get(id);
    if (!p || p.kind === 'subscribe') return p;
    this.byId.delete(id);
    if (p.kind === 'publish') {
      clearTimeout(p.timer);
      if (err === undefined) p.resolve();
      else p.reject(err);
    }
    return p;
  }

  /** The connection is gone: every publish still waiting is rejected with `err`, and everything is forgotten. */
  rejectAll(err: LivehubError): void {
    const all = [...this.byId.values()];
    this.byId.clear();
    for (const p of all) {
      if (p.kind !== 'publish') continue;
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
