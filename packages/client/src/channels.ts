import { ErrorCodes, type EventMessage, type ServerMessage } from '@livehub/protocol/core';
import { errorFromBody, type LivehubError } from './errors.js';
import type { PendingRequests } from './pending-requests.js';
import { Subscription, type SubscribeOptions } from './subscription.js';
import type { Transport } from './transports/transport.js';

type Sub = Subscription<unknown>;

export interface ChannelsHooks {
  /** The current connection, if any (requests go to it as soon as they are made). */
  conn(): Transport | undefined;
  /** The connection's epoch (from `welcome`). */
  epoch(): string | undefined;
  /** An event on a channel this client has no Subscription for (`system`, `sendTo`). */
  unrouted(m: EventMessage): void;
  /** An `error` answering nothing this client asked. */
  error(err: LivehubError): void;
}

/** Answers and events the channels handle; everything else is the session's (`welcome`, `pong`, `authed`). */
export type ChannelMessage = Extract<ServerMessage, { type: 'subscribed' | 'unsubscribed' | 'event' | 'ack' | 'error' }>;

/**
 * The client's subscriptions, one per channel, and the routing of the hub's answers to them (and
 * to pending publishes): subscribe on any connection, re-subscribe from each position after a new
 * one, forget a channel on unsubscribe or refusal.
 */
export class Channels {
  private readonly subs = new Map<string, Sub>();

  constructor(
    private readonly pending: PendingRequests<Sub>,
    private readonly hooks: ChannelsHooks,
  ) {}

  get(channel: string): Sub | undefined {
    return this.subs.get(channel);
  }

  has(channel: string): boolean {
    return this.subs.has(channel);
  }

  /** A new subscription, sent at once on the current connection (any transport takes requests before `welcome`). */
  add<D>(channel: string, options: SubscribeOptions<D>): Subscription<D> {
    const sub = new Subscription<D>(channel, options, {
      unsubscribe: (s) => {
        if (this.detach(s)) s.close('unsubscribe');
      },
      epoch: () => this.hooks.epoch(),
    });
    this.subs.set(channel, sub as Sub);
    this.hooks.conn()?.subscribe(this.requestFor(sub as Sub));
    return sub;
  }

  /** Every subscription onto transport `t` (a new connection, or a switch back to the preferred one). */
  subscribeAll(t: Transport): void {
    for (const sub of this.subs.values()) t.subscribe(this.requestFor(sub));
  }

  /** The connection is gone: positions are kept, delivery resumes on the next `subscribed`. */
  suspendAll(reason: string): void {
    for (const sub of this.subs.values()) sub.suspend(reason);
  }

  /** The client closed: every subscription is closed, with `err` as its reason if given. */
  closeAll(reason: string, err?: LivehubError): void {
    const all = [...this.subs.values()];
    this.subs.clear();
    for (const sub of all) sub.close(reason, err);
  }

  /** The resume position of `channel` (SSE and long-poll re-read it when they reopen), undefined once it has no open subscription. */
  position(channel: string): { since?: number; epoch?: string } | undefined {
    const sub = this.subs.get(channel);
    return sub && sub.state !== 'closed' ? sub.resumePosition() : undefined;
  }

  handle(m: ChannelMessage): void {
    switch (m.type) {
      case 'subscribed': {
        const p = this.pending.get(m.id);
        const sub = p?.kind === 'subscribe' ? p.sub : this.subs.get(m.channel);
        if (sub && this.subs.get(sub.channel) === sub) sub.onSubscribed(m);
        return;
      }
      case 'unsubscribed':
        this.pending.answer(m.id);
        return;
      case 'event': {
        const sub = this.subs.get(m.channel);
        if (sub) sub.onEvent(m);
        else this.hooks.unrouted(m);
        return;
      }
      case 'ack': {
        const p = this.pending.get(m.id);
        if (p?.kind === 'publish') this.pending.answer(m.id);
        return;
      }
      case 'error':
        return this.onError(m);
    }
  }

  private onError(m: Extract<ServerMessage, { type: 'error' }>): void {
    const err = errorFromBody(m, ErrorCodes[m.code]?.status);
    const p = m.id !== undefined ? this.pending.get(m.id) : undefined;
    if (p?.kind === 'unsubscribe' || p?.kind === 'publish') {
      this.pending.answer(m.id!, err);
      return;
    }
    if (p?.kind === 'subscribe') {
      const sub = p.sub;
      if (this.subs.get(sub.channel) !== sub) return;
      if (m.code === 'resync_required') {
        // The hub dropped the channel rather than skip changes: resume from our position; it answers `reset` if it must.
        sub.suspend('resync_required');
        this.hooks.conn()?.subscribe(this.requestFor(sub));
        return;
      }
      // The hub keeps nothing of a refused subscribe; the transport still forgets it (SSE would re-request it).
      this.detach(sub);
      sub.fail(err);
      return;
    }
    this.hooks.error(err);
  }

  private requestFor(sub: Sub) {
    return sub.request(this.pending.subscribe(sub, sub.requestId));
  }

  /** Forgets a subscription and tells the transport; false if it was not this client's current one. */
  private detach(sub: Sub): boolean {
    if (this.subs.get(sub.channel) !== sub) return false;
    this.subs.delete(sub.channel);
    if (sub.requestId !== undefined) this.pending.forget(sub.requestId);
    const conn = this.hooks.conn();
    if (conn) conn.unsubscribe(sub.channel, this.pending.unsubscribe());
    return true;
  }
}
