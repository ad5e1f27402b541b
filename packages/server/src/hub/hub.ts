import type { Logger } from 'pino';
import type { RawData } from 'ws';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessage,
  CloseCode,
  SYSTEM_CHANNEL,
  ALL_CHANNEL,
  channelsForRecord,
  isReservedEvent,
  isValidEventName,
  parseChannel,
  type ErrorCode,
  type FieldIssue,
  type RequestId,
  type SubscribeMessage,
} from '@livehub/protocol';
import { ANONYMOUS, type Authenticator, type Principal } from '../auth.js';
import type { Bus, BusMessage, EphemeralEvent } from '../bus/bus.js';
import { matches, readChanges } from '../collections/changes-reader.js';
import { encodeJson } from '../encodable.js';
import { HubError, isHubError } from '../errors.js';
import type { HubMetrics } from '../metrics.js';
import type { Change, ChangeFilter, Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';
import { ChangeFeed } from './change-feed.js';
import { ChannelIndex } from './channel-index.js';
import { Connection, type ConnectionInfo } from './connection.js';
import { syncSubscription } from './subscribe-flow.js';
import type { Sink } from './sink.js';
import { RateTracker } from './rate-tracker.js';
import { Subscription } from './subscription.js';

export interface HubConfig {
  heartbeatMs: number;
  maxQueueBytes: number;
  maxBadFrames: number;
  maxSnapshotRecords: number;
  replayPageSize: number;
  feedPollMs: number;
  /** How long peers get to finish the close handshake at shutdown before they are cut. */
  shutdownGraceMs: number;
  serverName: string;
}

/** Live events a syncing subscription may hold before its connection is closed as slow. */
const MAX_SYNC_BUFFER = 100_000;

/**
 * The `event` message of an ephemeral event, spliced around its already-encoded data: publishing
 * costs one JSON encode of the data whatever the number of subscribers, taps included.
 */
function ephemeralFrame(e: EphemeralEvent, channel: string, via?: string): string {
  const head = `{"type":"event","channel":${JSON.stringify(channel)},"event":${JSON.stringify(e.event)},"timestamp":${JSON.stringify(e.timestamp)}`;
  return `${head}${via === undefined ? '' : `,"via":${JSON.stringify(via)}`},"data":${e.dataJson}}`;
}

export interface ClientSummary {
  clientId: string;
  connId: number;
  transport: string;
  sub: string;
  remote: string;
  userAgent: string | undefined;
  connectedAt: string;
  channels: string[];
  sent: number;
  received: number;
}

/**
 * This node's connections and channels. Changes come from the bus through the ordered feed;
 * ephemeral events come from the bus directly. Nothing here knows SQL.
 */
export class Hub {
  private readonly connections = new Set<Connection>();
  private readonly byClientId = new Map<string, Set<Connection>>();
  private readonly index = new ChannelIndex();
  private readonly feed: ChangeFeed;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribeBus: (() => void) | undefined;
  private nextConnId = 1;
  /** Long-polls waiting for a change (empty filter list: any change). */
  private readonly waiters = new Set<{ filters: readonly ChangeFilter[]; wake: () => void }>();
  private closing = false;
  /** Per-second events and deliveries, for the dashboard. */
  readonly rates = new RateTracker(() => this.connections.size);

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly visibility: Visibility,
    private readonly authenticator: Authenticator,
    private readonly metrics: HubMetrics,
    private readonly log: Logger,
    private readonly config: HubConfig,
  ) {
    this.feed = new ChangeFeed(store, (c) => this.fanoutChange(c), log, config.replayPageSize, () => this.resyncDurable());
  }

  async start(): Promise<void> {
    await this.feed.start(this.config.feedPollMs);
    this.metrics.logHead.set(this.feed.head);
    this.unsubscribeBus = await this.bus.subscribe((m) => this.onBusMessage(m));
    this.heartbeat = setInterval(() => this.beat(), this.config.heartbeatMs);
    this.heartbeat.unref();
    this.rates.start();
  }

  /** Last seq fanned out. */
  get head(): number {
    return this.feed.head;
  }

  /** Lowest position a replay in progress still needs; compaction keeps everything after it. */
  lowWaterMark(): number {
    let low = this.feed.head;
    for (const conn of this.connections) for (const sub of conn.subs.values()) if (sub.state === 'syncing' && sub.position < low) low = sub.position;
    return low;
  }

  /* ---------- server-side API ---------- */

  /** Ephemeral event to a channel's subscribers on every node. */
  async publish(channel: string, event: string, data: unknown): Promise<void> {
    const info = parseChannel(channel);
    if (!info) throw new HubError('invalid_channel', `Invalid channel '${channel}'`);
    if (info.kind === 'all') throw new HubError('invalid_channel', `'${ALL_CHANNEL}' is a tap on every channel; publish on a channel of its own`);
    if (!isValidEventName(event)) throw new HubError('invalid_event', `Invalid event name '${event}'`);
    if (isReservedEvent(info, event)) throw new HubError('reserved_event', `'${event}' is reserved for change-log events on '${channel}'`);
    const dataJson = encodeJson(data, 'Event data');
    await this.bus.publish({ kind: 'ephemeral', event: { channel, event, dataJson, timestamp: new Date().toISOString() } });
  }

  /** Ephemeral event on the `system` channel, which every connection receives. */
  broadcast(event: string, data: unknown): Promise<void> {
    return this.publish(SYSTEM_CHANNEL, event, data);
  }

  /** Ephemeral event to every connection of one clientId, on any node. Delivered on the `system` channel. */
  async sendTo(clientId: string, event: string, data: unknown): Promise<void> {
    if (!isValidEventName(event)) throw new HubError('invalid_event', `Invalid event name '${event}'`);
    const dataJson = encodeJson(data, 'Event data');
    await this.bus.publish({ kind: 'ephemeral', event: { channel: SYSTEM_CHANNEL, event, dataJson, timestamp: new Date().toISOString(), clientId } });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  clients(): ClientSummary[] {
    return [...this.connections].map((c) => ({
      clientId: c.clientId,
      connId: c.info.connId,
      transport: c.info.transport,
      sub: c.principal.sub,
      remote: c.info.remote,
      userAgent: c.info.userAgent,
      connectedAt: new Date(c.connectedAt).toISOString(),
      channels: [...c.subs.keys()],
      sent: c.writer.sent,
      received: c.received,
    }));
  }

  channels(): Array<{ channel: string; subscribers: number }> {
    return this.index.counts();
  }

  /* ---------- connections ---------- */

  /**
   * Registers an authenticated peer on any transport: it hears `system` and gets `welcome`.
   * The transport adapter feeds its frames to `receive` and reports its end to `closed`.
   */
  open(sink: Sink, peer: Omit<ConnectionInfo, 'connId'>, principal: Principal): Connection {
    const info: ConnectionInfo = { connId: this.nextConnId++, ...peer };
    const conn = new Connection(sink, info, principal, this.config.maxQueueBytes);
    this.connections.add(conn);
    let set = this.byClientId.get(info.clientId);
    if (!set) this.byClientId.set(info.clientId, (set = new Set()));
    set.add(conn);
    this.metrics.connects.inc();
    this.metrics.connections.set(this.connections.size);

    // Every connection hears `system`; it may unsubscribe.
    const system = new Subscription(conn, { kind: 'system', name: SYSTEM_CHANNEL }, undefined, MAX_SYNC_BUFFER);
    system.goLive();
    this.addSub(conn, system);

    this.log.info({ clientId: info.clientId, connId: info.connId, transport: info.transport, remote: info.remote, sub: principal.sub }, 'client connected');
    conn.send({
      type: 'welcome',
      clientId: info.clientId,
      epoch: this.store.epoch,
      seq: this.feed.head,
      heartbeatMs: this.config.heartbeatMs,
      server: this.config.serverName,
      protocol: 1,
    });
    return conn;
  }

  isOpen(conn: Connection): boolean {
    return this.connections.has(conn);
  }

  /** The transport is gone (closed by either side, or dropped). */
  closed(conn: Connection, code: number, reason: string): void {
    if (!this.connections.delete(conn)) return;
    for (const sub of conn.subs.values()) {
      sub.close();
      this.index.remove(sub);
    }
    conn.subs.clear();
    conn.dispose();
    const set = this.byClientId.get(conn.clientId);
    set?.delete(conn);
    if (set?.size === 0) this.byClientId.delete(conn.clientId);
    this.metrics.connections.set(this.connections.size);
    this.metrics.subscriptions.set(this.index.size);
    this.metrics.disconnects.inc({ code: String(code) });
    this.log.info(
      {
        clientId: conn.clientId,
        connId: conn.info.connId,
        transport: conn.info.transport,
        code,
        reason: conn.closeReason ?? (reason || 'peer closed'),
        ms: Date.now() - conn.connectedAt,
      },
      'client disconnected',
    );
  }

  private beat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.closeReason = 'heartbeat timeout';
        conn.sink.terminate();
        continue;
      }
      conn.alive = false;
      conn.badFrames = 0;
      try {
        conn.sink.ping();
      } catch {
        conn.sink.terminate();
      }
    }
  }

  /* ---------- inbound frames ---------- */

  private refuse(conn: Connection, code: ErrorCode, message: string, id?: RequestId, details?: FieldIssue[]): void {
    conn.send({ type: 'error', ...(id !== undefined ? { id } : {}), code, message, ...(details ? { details } : {}) });
  }

  private badFrame(conn: Connection, code: ErrorCode, message: string, id?: RequestId, details?: FieldIssue[]): void {
    this.metrics.badFrames.inc({ code });
    this.refuse(conn, code, message, id, details);
    if (++conn.badFrames > this.config.maxBadFrames) conn.close(CloseCode.ProtocolError, 'too many bad frames');
  }

  /** One inbound frame from a bidirectional transport. */
  receive(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.alive = true;
    conn.received++;
    if (isBinary) return this.badFrame(conn, 'binary_unsupported', 'Binary frames are not supported; send JSON text');
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return this.badFrame(conn, 'bad_json', 'Frame is not valid JSON');
    }
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    const replyId = typeof id === 'string' || typeof id === 'number' ? id : undefined;
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !CLIENT_MESSAGE_TYPES.includes(type)) {
      return this.badFrame(conn, 'unknown_type', `Unknown message type ${JSON.stringify(type ?? null)?.slice(0, 64)}`, replyId);
    }
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      return this.badFrame(conn, 'bad_frame', `Invalid '${type}' message`, replyId, details);
    }
    this.dispatch(conn, parsed.data).catch((err: unknown) => {
      if (isHubError(err)) return this.refuse(conn, err.code, err.message, replyId, err.details);
      this.log.error({ err, clientId: conn.clientId, type }, 'ws request failed');
      this.refuse(conn, 'internal', 'Internal error', replyId);
    });
  }

  private async dispatch(conn: Connection, msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'ping':
        conn.send({ type: 'pong', ...(msg.id !== undefined ? { id: msg.id } : {}), ...(msg.ts !== undefined ? { ts: msg.ts } : {}), serverTs: Date.now() });
        return;
      case 'auth': {
        const principal = await this.authenticator.authenticate(msg.token).catch((err: unknown) => {
          conn.close(CloseCode.Unauthenticated, 'token refused');
          throw err;
        });
        // A refresh renews this principal's credentials; it does not turn the connection into someone else.
        if (principal.sub !== conn.principal.sub && conn.principal !== ANONYMOUS) {
          throw new HubError('forbidden', `A token for '${principal.sub}' cannot refresh the session of '${conn.principal.sub}'`);
        }
        conn.reauthenticate(principal);
        conn.send({ type: 'authed', sub: principal.sub, ...(principal.exp !== undefined ? { exp: principal.exp } : {}) });
        return;
      }
      case 'subscribe':
        return this.subscribe(conn, msg);
      case 'unsubscribe': {
        const sub = conn.subs.get(msg.channel);
        if (!sub) throw new HubError('not_subscribed', `Not subscribed to '${msg.channel}'`);
        this.removeSub(conn, sub);
        conn.send({ type: 'unsubscribed', id: msg.id, channel: msg.channel });
        return;
      }
      case 'publish':
        if (msg.channel === SYSTEM_CHANNEL) throw new HubError('forbidden', `Only the server publishes on '${SYSTEM_CHANNEL}'`);
        await this.publish(msg.channel, msg.event, msg.data ?? null);
        if (msg.id !== undefined) conn.send({ type: 'ack', id: msg.id });
        return;
      case 'sync_request': {
        const r = await readChanges(this.store, this.visibility, { since: msg.since, epoch: msg.epoch, limit: msg.limit ?? this.config.replayPageSize });
        conn.send({ type: 'sync_response', ...(msg.id !== undefined ? { id: msg.id } : {}), ...r });
        return;
      }
    }
  }

  /** Subscribes a connection; errors reach the caller (WS dispatch answers them as `error` frames). */
  async subscribe(conn: Connection, msg: SubscribeMessage): Promise<void> {
    // A transport may still be subscribing when its peer leaves: nothing may outlive the connection.
    if (!this.connections.has(conn)) throw new HubError('bad_request', 'Connection is closed');
    const channel = parseChannel(msg.channel);
    if (!channel) throw new HubError('invalid_channel', `Invalid channel '${msg.channel}'`);
    // A repeated subscribe replaces the old one (e.g. to resume from another position).
    const old = conn.subs.get(channel.name);
    if (old) this.removeSub(conn, old);
    const sub = new Subscription(conn, channel, msg.id, MAX_SYNC_BUFFER);
    this.addSub(conn, sub);
    try {
      await syncSubscription(sub, msg, {
        store: this.store,
        visibility: this.visibility,
        feedHead: this.feed.head,
        pageSize: this.config.replayPageSize,
        maxSnapshotRecords: this.config.maxSnapshotRecords,
        onReplayed: (n) => this.metrics.replayed.inc(n),
      });
    } catch (err) {
      if (conn.subs.get(channel.name) === sub) this.removeSub(conn, sub);
      throw err;
    }
  }

  private addSub(conn: Connection, sub: Subscription): void {
    conn.subs.set(sub.channel.name, sub);
    this.index.add(sub);
    this.metrics.subscriptions.set(this.index.size);
  }

  private removeSub(conn: Connection, sub: Subscription): void {
    sub.close();
    conn.subs.delete(sub.channel.name);
    this.index.remove(sub);
    this.metrics.subscriptions.set(this.index.size);
  }

  /* ---------- fan-out ---------- */

  /**
   * Changes this node never emitted were compacted away: every durable subscription has a hole.
   * Each is ended with `resync_required`, so its client subscribes again (and gets `reset`).
   */
  private resyncDurable(): void {
    for (const conn of this.connections) {
      for (const sub of [...conn.subs.values()]) {
        if (sub.channel.kind !== 'collection' && sub.channel.kind !== 'record' && sub.channel.kind !== 'all') continue;
        this.removeSub(conn, sub);
        this.refuse(conn, 'resync_required', `Changes on '${sub.channel.name}' were lost to compaction; subscribe again`, sub.requestId);
      }
    }
  }

  private onBusMessage(m: BusMessage): void {
    if (m.kind === 'change') this.feed.receive(m.change);
    else this.fanoutEphemeral(m.event);
  }

  /**
   * Resolves when a change matching `filters` (any, if empty) is fanned out, after `ms`, on abort,
   * or at shutdown; at once if this node is already past `afterSeq` (nothing slips between a read and the wait).
   */
  waitForChange(filters: readonly ChangeFilter[], afterSeq: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closing || signal?.aborted || this.feed.head > afterSeq) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        filters,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      signal?.addEventListener('abort', waiter.wake);
      this.waiters.add(waiter);
    });
  }

  private fanoutChange(change: Change): void {
    this.metrics.changes.inc();
    this.metrics.logHead.set(change.seq);
    for (const w of this.waiters) if (w.filters.length === 0 || w.filters.some((f) => matches(change, f))) w.wake();
    let delivered = 0;
    for (const channel of [...channelsForRecord(change.collection, change.id), ALL_CHANNEL]) {
      const subs = this.index.get(channel);
      if (!subs) continue;
      // Encoded once per channel, the same string goes to every subscriber.
      const frame = JSON.stringify(this.visibility.changeEvent(change, channel));
      for (const sub of subs) sub.deliver(change.seq, frame);
      delivered += subs.size;
    }
    this.metrics.deliveries.inc(delivered);
    this.rates.countEvent(delivered);
  }

  private fanoutEphemeral(e: EphemeralEvent): void {
    this.metrics.ephemeral.inc();
    const frame = ephemeralFrame(e, e.channel);
    let delivered = 0;
    if (e.clientId !== undefined) {
      for (const conn of this.byClientId.get(e.clientId) ?? []) {
        conn.writer.send(frame);
        delivered++;
      }
    } else {
      const subs = this.index.get(e.channel);
      if (subs) {
        for (const sub of subs) sub.deliver(undefined, frame);
        delivered += subs.size;
      }
      const taps = e.channel === SYSTEM_CHANNEL ? undefined : this.index.get(ALL_CHANNEL);
      if (taps) {
        const tapFrame = ephemeralFrame(e, ALL_CHANNEL, e.channel);
        for (const sub of taps) sub.deliver(undefined, tapFrame);
        delivered += taps.size;
      }
    }
    this.metrics.deliveries.inc(delivered);
    this.rates.countEvent(delivered);
  }

  /* ---------- shutdown ---------- */

  /** Stops taking connections and closes every one with 1001 (go away, reconnect elsewhere). */
  async close(): Promise<void> {
    this.closing = true;
    this.rates.stop();
    for (const w of this.waiters) w.wake();
    clearInterval(this.heartbeat);
    this.feed.stop();
    this.unsubscribeBus?.();
    for (const conn of this.connections) conn.close(CloseCode.GoingAway, 'server shutting down');
    // Peers get a grace period for the close handshake; whoever has not answered is cut.
    for (let waited = 0; this.connections.size > 0 && waited < this.config.shutdownGraceMs; waited += 20) await new Promise((r) => setTimeout(r, 20));
    for (const conn of [...this.connections]) {
      conn.sink.terminate();
      this.closed(conn, CloseCode.GoingAway, 'shutdown grace period over');
    }
  }

  get isClosing(): boolean {
    return this.closing;
  }
}

