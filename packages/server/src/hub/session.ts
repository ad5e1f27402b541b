import {
  CloseCode,
  SYSTEM_CHANNEL,
  isDurableChannel,
  parseChannel,
  type ClientMessage,
  type ErrorCode,
  type FieldIssue,
  type RequestId,
  type ServerMessage,
  type SubscribeMessage,
  type TransportKind,
} from '@livehub/protocol';
import { ANONYMOUS, authFailureReason, type Principal } from '../auth.js';
import type { ConnectionInfo, SessionDeps } from './session-deps.js';
import { HubError, isHubError } from '../errors.js';
import { decodeFrame } from './frame-decoder.js';
import type { Outbox } from './outbox.js';
import type { Sink } from './sink.js';
import { syncSubscription } from './subscribe-flow.js';
import { Subscription } from './subscription.js';
import { SyncRequests } from './sync-requests.js';
import { TokenBucket } from './token-bucket.js';
import { Writer } from './writer.js';

export type { TransportKind };
export type { ConnectionInfo, SessionConfig, SessionDeps } from './session-deps.js';

/** Live events a syncing subscription may hold before its session is closed as slow. */
const MAX_SYNC_BUFFER = 100_000;

/**
 * One peer on any transport: receives and dispatches its frames, authenticates it, tracks its
 * liveness and bad-frame budget, and owns its subscriptions (nothing else opens or closes them).
 * Everything it sends goes through its one writer. The registry only indexes it.
 */
export class Session {
  readonly writer: Writer;
  readonly subs = new Map<string, Subscription>();
  readonly connectedAt = Date.now();
  /** Set by any sign of life; cleared at each heartbeat. */
  alive = true;
  /** Bad frames since the last heartbeat. */
  badFrames = 0;
  received = 0;
  principal: Principal;
  /** The principal's `sub` at open: the key the per-principal connection count holds it under. */
  readonly openedAs: string;
  closeReason: string | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly rate: TokenBucket;
  private readonly syncs: SyncRequests;
  private readonly outbox: Outbox = {
    send: (frame, seq) => this.writer.send(frame, seq),
    overflow: (why) => this.close(CloseCode.SlowConsumer, why),
  };

  constructor(
    readonly sink: Sink,
    readonly info: ConnectionInfo,
    principal: Principal,
    private readonly deps: SessionDeps,
  ) {
    this.principal = principal;
    this.openedAs = principal.sub;
    this.writer = new Writer(sink, deps.config.maxQueueBytes, () => this.close(CloseCode.SlowConsumer, 'outbound queue over limit'), deps.budget);
    this.rate = new TokenBucket(deps.config.limits.messagesPerSecond, deps.config.limits.messageBurst);
    this.syncs = new SyncRequests(
      this.writer,
      { store: deps.store, visibility: deps.visibility, limits: deps.config.limits, defaultLimit: deps.config.replayPageSize },
      () => !this.disposed && this.closeReason === undefined,
      (frame) => this.sendFrame(frame),
      () => deps.authz.readScope(this.principal),
    );
    sink.onAlive = () => (this.alive = true);
    sink.onDrain = () => this.writer.onDrain();
    this.armExpiry();
    // Every session hears `system`; it may unsubscribe.
    const system = new Subscription(this.outbox, { kind: 'system', name: SYSTEM_CHANNEL }, undefined, MAX_SYNC_BUFFER);
    system.goLive();
    this.addSub(system);
  }

  get clientId(): string {
    return this.info.clientId;
  }

  /** Until the transport is gone: a transport still subscribing must stop when this turns false. */
  get isOpen(): boolean {
    return !this.disposed;
  }

  /** Encodes and queues a reply that only this session gets. */
  send(message: ServerMessage): void {
    this.writer.send(JSON.stringify(message));
  }

  /** Queues a pre-encoded message addressed to this session (not to one of its channels). */
  sendFrame(frame: string): void {
    this.writer.send(frame);
  }

  /* ---------- liveness and credentials ---------- */

  /** One heartbeat: a session silent since the last one is cut; the others are probed. */
  heartbeat(): void {
    if (!this.alive) {
      this.closeReason = 'heartbeat timeout';
      this.sink.terminate();
      return;
    }
    this.alive = false;
    this.badFrames = 0;
    try {
      this.sink.ping();
    } catch {
      this.sink.terminate();
    }
  }

  /** Replaces the principal (token refresh) and re-arms the expiry. */
  private reauthenticate(principal: Principal): void {
    this.principal = principal;
    this.armExpiry();
  }

  /** A session whose credentials expire unrefreshed is closed 4401: the client refreshes, then resumes. */
  private armExpiry(): void {
    clearTimeout(this.expiry);
    if (this.principal.exp === undefined) return;
    const ms = this.principal.exp * 1000 - Date.now();
    // setTimeout holds at most ~24.8 days: a later expiry is reached in steps.
    const step = Math.min(Math.max(0, ms), 2 ** 31 - 1);
    this.expiry = setTimeout(() => (step < ms ? this.armExpiry() : this.expire()), step);
    this.expiry.unref();
  }

  private expire(): void {
    this.deps.metrics.authFailed('session_expired');
    this.close(CloseCode.Unauthenticated, 'token expired');
  }

  /* ---------- inbound frames ---------- */

  private refuse(code: ErrorCode, message: string, id?: RequestId, details?: FieldIssue[]): void {
    this.send({ type: 'error', ...(id !== undefined ? { id } : {}), code, message, ...(details ? { details } : {}) });
  }

  /** One inbound frame from a bidirectional transport, as text (a binary frame is refused unread). */
  receive(text: string, isBinary: boolean): void {
    this.alive = true;
    this.received++;
    if (this.closeReason !== undefined) return;
    // Every frame counts, good or bad: a flood is refused before it costs a parse.
    if (!this.rate.take()) return this.close(CloseCode.Policy, 'message rate over limit');
    const frame = decodeFrame(text, isBinary, this.deps.config.maxJsonDepth);
    if (!frame.ok) {
      this.deps.metrics.badFrames.inc({ code: frame.code });
      this.refuse(frame.code, frame.message, frame.replyId, frame.details);
      if (++this.badFrames > this.deps.config.maxBadFrames) this.close(CloseCode.ProtocolError, 'too many bad frames');
      return;
    }
    const { message, replyId } = frame;
    this.dispatch(message).catch((err: unknown) => {
      if (isHubError(err)) return this.refuse(err.code, err.message, replyId, err.details);
      this.deps.log.error({ err, clientId: this.clientId, connId: this.info.connId, reqId: this.info.reqId, type: message.type }, 'ws request failed');
      this.refuse('internal', 'Internal error', replyId);
    });
  }

  private async dispatch(msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'ping':
        this.send({ type: 'pong', ...(msg.id !== undefined ? { id: msg.id } : {}), ...(msg.ts !== undefined ? { ts: msg.ts } : {}), serverTs: Date.now() });
        return;
      case 'auth': {
        const principal = await this.deps.authenticator.authenticate(msg.token).catch((err: unknown) => {
          this.deps.metrics.authFailed(authFailureReason(msg.token, err));
          this.close(CloseCode.Unauthenticated, 'token refused');
          throw err;
        });
        // A refresh renews this principal's credentials; it does not turn the session into someone else.
        if (principal.sub !== this.principal.sub && this.principal !== ANONYMOUS) {
          this.deps.metrics.authFailed('wrong_principal');
          throw new HubError('forbidden', `A token for '${principal.sub}' cannot refresh the session of '${this.principal.sub}'`);
        }
        this.reauthenticate(principal);
        this.deps.log.debug({ connId: this.info.connId, reqId: this.info.reqId, sub: principal.sub, exp: principal.exp }, 'token refreshed');
        // New claims may grant or take away: every subscription is judged again under them.
        await this.regrant();
        this.send({ type: 'authed', sub: principal.sub, ...(principal.exp !== undefined ? { exp: principal.exp } : {}) });
        return;
      }
      case 'subscribe':
        return this.subscribe(msg);
      case 'unsubscribe': {
        const sub = this.subs.get(msg.channel);
        if (!sub) throw new HubError('not_subscribed', `Not subscribed to '${msg.channel}'`);
        this.removeSub(sub);
        this.send({ type: 'unsubscribed', id: msg.id, channel: msg.channel });
        return;
      }
      case 'publish':
        if (msg.channel === SYSTEM_CHANNEL) throw new HubError('forbidden', `Only the server publishes on '${SYSTEM_CHANNEL}'`);
        if (!parseChannel(msg.channel)) throw new HubError('invalid_channel', `Invalid channel '${msg.channel}'`);
        await this.deps.authz.publish(this.principal, msg.channel, msg.event);
        await this.deps.publish(msg.channel, msg.event, msg.data ?? null);
        if (msg.id !== undefined) this.send({ type: 'ack', id: msg.id });
        return;
      case 'sync_request':
        return this.syncs.handle(msg);
    }
  }

  /* ---------- subscriptions ---------- */

  /** Subscribes this session; errors reach the caller (WS dispatch answers them as `error` frames). */
  async subscribe(msg: SubscribeMessage): Promise<void> {
    // A transport may still be subscribing when its peer leaves: nothing may outlive the session.
    if (this.disposed) throw new HubError('bad_request', 'Connection is closed');
    const channel = parseChannel(msg.channel);
    if (!channel) throw new HubError('invalid_channel', `Invalid channel '${msg.channel}'`);
    // Rules (and the `*` tap's admin check) decide before anything is read.
    let judged = this.principal;
    const granted = this.deps.authz.subscribe(judged, channel);
    // Only an `authorize` hook makes this wait; without one later frames see the subscription.
    let grant = granted instanceof Promise ? await granted : granted;
    // A token refresh while the hook was asked re-judged every subscription but this one, not yet
    // registered: judge it again under the new claims, or it would outlive what they allow.
    while (judged !== this.principal && !this.disposed) {
      judged = this.principal;
      grant = await this.deps.authz.subscribe(judged, channel);
    }
    if (this.disposed) throw new HubError('bad_request', 'Connection is closed');
    // A repeated subscribe replaces the old one (e.g. to resume from another position).
    const old = this.subs.get(channel.name);
    if (!old && this.subs.size >= this.deps.config.limits.maxSubscriptionsPerConnection) {
      const max = this.deps.config.limits.maxSubscriptionsPerConnection;
      throw new HubError('too_many_subscriptions', `This connection holds ${max} subscriptions (the most allowed); unsubscribe first`);
    }
    if (old) this.removeSub(old);
    const sub = new Subscription(this.outbox, channel, msg.id, MAX_SYNC_BUFFER);
    sub.view = grant.view;
    sub.ephemeral = grant.ephemeral;
    this.addSub(sub);
    const { store, visibility, config, metrics } = this.deps;
    try {
      // The first subscriber of a channel on this node: `subscribed` waits for the bus to route its
      // ephemeral events here, so none published elsewhere just after it is lost.
      const watching = this.deps.watchReady(channel.name);
      if (watching) await watching;
      await syncSubscription(sub, msg, {
        store,
        visibility,
        feedHead: this.deps.head(),
        pageSize: config.replayPageSize,
        maxSnapshotRecords: config.maxSnapshotRecords,
        onReplayed: (n) => metrics.replayed.inc(n),
        drained: () => this.writer.drained(),
      });
    } catch (err) {
      if (this.subs.get(channel.name) === sub) this.removeSub(sub);
      throw err;
    }
  }

  /** After a token refresh: each subscription gets the view its new claims grant; one they no longer allow ends `forbidden`. */
  private async regrant(): Promise<void> {
    for (const sub of [...this.subs.values()]) {
      try {
        const grant = await this.deps.authz.subscribe(this.principal, sub.channel);
        sub.view = grant.view;
        sub.ephemeral = grant.ephemeral;
      } catch (err) {
        if (!isHubError(err) || this.subs.get(sub.channel.name) !== sub) throw err;
        this.removeSub(sub);
        this.refuse(err.code, err.message, sub.requestId);
      }
    }
  }

  /** Lowest position a replay of this session still needs, if below `low`. */
  lowWaterMark(low: number): number {
    for (const sub of this.subs.values()) if (sub.state === 'syncing' && sub.position < low) low = sub.position;
    return low;
  }

  /**
   * Changes this node never emitted were compacted away: every durable subscription has a hole.
   * Each is ended with `resync_required`, so its client subscribes again (and gets `reset`).
   */
  resyncDurable(): void {
    for (const sub of [...this.subs.values()]) {
      if (!isDurableChannel(sub.channel)) continue;
      this.removeSub(sub);
      this.refuse('resync_required', `Changes on '${sub.channel.name}' were lost to compaction; subscribe again`, sub.requestId);
    }
  }

  private addSub(sub: Subscription): void {
    this.subs.set(sub.channel.name, sub);
    this.deps.index.add(sub);
    this.deps.metrics.subscriptions.set(this.deps.index.size);
  }

  private removeSub(sub: Subscription): void {
    sub.close();
    this.subs.delete(sub.channel.name);
    this.deps.index.remove(sub);
    this.deps.metrics.subscriptions.set(this.deps.index.size);
  }

  /* ---------- end ---------- */

  /** Closes the transport with `code`; the transport then reports its end, and the node calls `dispose`. */
  close(code: number, reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    clearTimeout(this.expiry);
    // A slow consumer's backlog is dropped; anyone else gets what was already queued, then the close.
    if (code !== CloseCode.SlowConsumer) this.writer.flushNow();
    this.writer.close();
    for (const sub of this.subs.values()) sub.close();
    this.sink.close(code, reason);
  }

  /** Called once the transport is gone: every subscription leaves the index. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.expiry);
    this.writer.close();
    for (const sub of [...this.subs.values()]) this.removeSub(sub);
  }
}
