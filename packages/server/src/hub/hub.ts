import type { Logger } from 'pino';
import {
  ALL_CHANNEL,
  CloseCode,
  PROTOCOL_VERSION,
  SYSTEM_CHANNEL,
  isReservedEvent,
  isValidEventName,
  parseChannel,
  type ChannelCount,
} from '@livehub/protocol';
import type { AdminCheck } from '../admin-check.js';
import type { Authorizer } from '../authz/authorizer.js';
import { ANONYMOUS, type Authenticator, type Principal } from '../auth.js';
import type { Bus, BusMessage, BusStatus, EphemeralEvent } from '../bus/bus.js';
import { encodeJson } from '../encodable.js';
import { HubError } from '../errors.js';
import { newClientId } from '../ids.js';
import type { HubMetrics } from '../metrics.js';
import type { ChangeFilter, Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';
import { ChangeFeed } from './change-feed.js';
import { Fanout } from './fanout.js';
import { BusInterest } from './interest.js';
import type { LimitsConfig } from './limits.js';
import { OutboundBudget } from './outbound-budget.js';
import { RateTracker } from './rate-tracker.js';
import { Registry, type ClientSummary } from './registry.js';
import { Session, type ConnectionInfo, type SessionDeps } from './session.js';
import type { Sink } from './sink.js';

export type { ClientSummary } from './registry.js';
export type { ConnectionInfo, Session, TransportKind } from './session.js';

export interface HubConfig {
  heartbeatMs: number;
  maxQueueBytes: number;
  maxBadFrames: number;
  maxJsonDepth: number;
  maxSnapshotRecords: number;
  replayPageSize: number;
  feedPollMs: number;
  /** How long peers get to finish the close handshake at shutdown before they are cut. */
  shutdownGraceMs: number;
  serverName: string;
  limits: LimitsConfig;
  /** Every authorization decision: rules, the admin surfaces (`*`, `/api/hub/*`, HTTP publish on `system`), the hook. */
  authz: Authorizer;
}

/**
 * This node: wires the bus into the ordered change feed and the fan-out, opens and ends sessions,
 * and is the server-side API (publish, broadcast, sendTo). The registry indexes sessions, each
 * session is its peer's state, the fan-out delivers. Nothing here knows SQL or a transport.
 */
export class Hub {
  private readonly registry: Registry;
  /** The node's interest drives the bus's: ephemeral traffic reaches only nodes that have subscribers for it. */
  private readonly interest: BusInterest;
  private readonly feed: ChangeFeed;
  private readonly fanout: Fanout;
  private readonly sessionDeps: SessionDeps;
  private readonly budget: OutboundBudget;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribeBus: (() => void) | undefined;
  private nextConnId = 1;
  private closing = false;
  /** Per-second events and deliveries, for the dashboard. */
  readonly rates = new RateTracker(() => this.registry.size);

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    visibility: Visibility,
    authenticator: Authenticator,
    private readonly metrics: HubMetrics,
    private readonly log: Logger,
    private readonly config: HubConfig,
  ) {
    this.interest = new BusInterest(bus, log, () => this.closing);
    this.registry = new Registry(this.interest);
    this.budget = new OutboundBudget(config.limits.maxTotalQueueBytes, () => this.shed());
    this.fanout = new Fanout(this.registry, visibility, metrics, this.rates);
    this.feed = new ChangeFeed(
      store,
      (c) => this.fanout.change(c),
      log,
      config.replayPageSize,
      () => this.resyncDurable(),
    );
    this.sessionDeps = {
      store,
      visibility,
      authenticator,
      authz: config.authz,
      metrics,
      log,
      config,
      index: this.registry.index,
      budget: this.budget,
      head: () => this.feed.head,
      publish: (channel, event, data) => this.publish(channel, event, data),
      watchReady: (channel) => this.interest.ready(channel),
    };
  }

  async start(): Promise<void> {
    await this.feed.start(this.config.feedPollMs);
    this.metrics.logHead.set(this.feed.head);
    this.unsubscribeBus = await this.bus.subscribe((m) => this.onBusMessage(m));
    this.interest.start();
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
    return this.registry.lowWaterMark(this.feed.head);
  }

  /* ---------- server-side API ---------- */

  /** Ephemeral event to a channel's subscribers on every node. */
  async publish(channel: string, event: string, data: unknown): Promise<void> {
    const info = parseChannel(channel);
    if (!info) throw new HubError('invalid_channel', `Invalid channel '${channel}'`);
    if (info.kind === 'all') throw new HubError('invalid_channel', `'${ALL_CHANNEL}' is a tap on every channel; publish on a channel of its own`);
    if (!isValidEventName(event)) throw new HubError('invalid_event', `Invalid event name '${String(event)}'`);
    if (isReservedEvent(info, event)) throw new HubError('reserved_event', `'${event}' is reserved for change-log events on '${channel}'`);
    const dataJson = encodeJson(data, 'Event data');
    await this.publishEphemeral({ channel, event, dataJson, timestamp: new Date().toISOString() });
  }

  /** Ephemeral event on the `system` channel, which every connection receives. */
  broadcast(event: string, data: unknown): Promise<void> {
    return this.publish(SYSTEM_CHANNEL, event, data);
  }

  /** Ephemeral event to every connection of one clientId, on any node. Delivered on the `system` channel. */
  async sendTo(clientId: string, event: string, data: unknown): Promise<void> {
    if (!isValidEventName(event)) throw new HubError('invalid_event', `Invalid event name '${String(event)}'`);
    const dataJson = encodeJson(data, 'Event data');
    await this.publishEphemeral({ channel: SYSTEM_CHANNEL, event, dataJson, timestamp: new Date().toISOString(), clientId });
  }

  /** Ephemeral events have no log to fall back on: a bus that cannot take one is the publisher's error. */
  private async publishEphemeral(event: EphemeralEvent): Promise<void> {
    try {
      await this.bus.publish({ kind: 'ephemeral', event });
    } catch (err) {
      // The caller gets the error; the bus logs the outage itself, once (not once per refused publish).
      this.log.debug({ err, channel: event.channel, event: event.event }, 'ephemeral publish refused: bus unavailable');
      throw new HubError('bus_unavailable', `Event not delivered: the bus is unavailable (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  /** The bus's state, for `/healthz`. */
  busStatus(): BusStatus {
    return this.bus.status();
  }

  /** Who may use the admin surfaces; the HTTP routes check it too. */
  get admin(): AdminCheck {
    return this.config.authz.admin;
  }

  /** The authorization rules, which the HTTP routes ask as the sessions do. */
  get authz(): Authorizer {
    return this.config.authz;
  }

  /** Outbound bytes queued across every connection of this node (writer queues and transport buffers). */
  get outboundBytes(): number {
    return this.budget.total;
  }

  get connectionCount(): number {
    return this.registry.size;
  }

  clients(): ClientSummary[] {
    return this.registry.clients();
  }

  channels(): ChannelCount[] {
    return this.registry.channels();
  }

  /**
   * Resolves when a change matching `filters` (any, if empty) is fanned out, after `ms`, on abort,
   * or at shutdown; at once if this node is already past `afterSeq` (nothing slips between a read and the wait).
   */
  waitForChange(filters: readonly ChangeFilter[], afterSeq: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closing || signal?.aborted || this.feed.head > afterSeq) return Promise.resolve();
    return this.fanout.waitForChange(filters, ms, signal);
  }

  /* ---------- sessions ---------- */

  /**
   * Registers an authenticated peer on any transport: it hears `system` and gets `welcome`.
   * The transport adapter feeds its frames to `session.receive` and reports its end to `closed`.
   */
  open(sink: Sink, peer: Omit<ConnectionInfo, 'connId'>, principal: Principal): Session {
    this.admit(peer.remote, principal);
    const info: ConnectionInfo = { connId: this.nextConnId++, ...peer, clientId: this.grantClientId(peer.clientId, principal) };
    const session = new Session(sink, info, principal, this.sessionDeps);
    this.registry.add(session);
    this.metrics.connects.inc();
    this.metrics.connections.set(this.registry.size);
    this.log.info(
      { clientId: info.clientId, connId: info.connId, reqId: info.reqId, transport: info.transport, remote: info.remote, sub: principal.sub },
      'client connected',
    );
    session.send({
      type: 'welcome',
      clientId: info.clientId,
      epoch: this.store.epoch,
      seq: this.feed.head,
      heartbeatMs: this.config.heartbeatMs,
      server: this.config.serverName,
      protocol: PROTOCOL_VERSION,
    });
    return session;
  }

  /**
   * Throws `too_many_connections` if one more connection from `remote` or of `principal` would go
   * over the limits. `open` checks it too; a transport calls it first to refuse in its own terms
   * (WS close 4429, SSE HTTP 429). The anonymous principal is every peer of an open hub: only
   * its addresses are counted.
   */
  admit(remote: string, principal: Principal): void {
    const { maxConnectionsPerAddress, maxConnectionsPerPrincipal } = this.config.limits;
    if (this.registry.ofAddress(remote) >= maxConnectionsPerAddress) {
      throw new HubError('too_many_connections', `${maxConnectionsPerAddress} connections from this address are open (the most allowed)`);
    }
    if (principal.sub !== ANONYMOUS.sub && this.registry.ofPrincipal(principal.sub) >= maxConnectionsPerPrincipal) {
      throw new HubError('too_many_connections', `${maxConnectionsPerPrincipal} connections of this principal are open (the most allowed)`);
    }
  }

  /**
   * A clientId is bound to the principal holding it: while a session of another principal holds
   * `asked`, this one gets a fresh id (the `welcome` tells it which), so nobody takes over another
   * user's `sendTo` deliveries. On an open hub every peer is `anonymous`: ids are granted as asked.
   */
  private grantClientId(asked: string, principal: Principal): string {
    const holder = this.registry.holderOf(asked);
    if (holder === undefined || holder === principal.sub) return asked;
    const granted = newClientId();
    this.log.warn({ asked, granted, sub: principal.sub, holder }, 'clientId held by another principal: granted a fresh one');
    return granted;
  }

  /** The transport is gone (closed by either side, or dropped). */
  closed(session: Session, code: number, reason: string): void {
    if (!this.registry.has(session)) return;
    session.dispose();
    this.registry.remove(session);
    this.metrics.connections.set(this.registry.size);
    this.metrics.disconnects.inc({ code: String(code) });
    this.log.info(
      {
        clientId: session.clientId,
        connId: session.info.connId,
        reqId: session.info.reqId,
        transport: session.info.transport,
        code,
        reason: session.closeReason ?? (reason || 'peer closed'),
        ms: Date.now() - session.connectedAt,
      },
      'client disconnected',
    );
  }

  /** A transport closed a peer before its welcome (e.g. 4401 at authentication): counted like any disconnect. */
  refused(code: number, reason: string, peer: { clientId: string; reqId: string }): void {
    this.metrics.disconnects.inc({ code: String(code) });
    this.log.info({ ...peer, code, reason }, 'client refused');
  }

  /**
   * The node's outbound bytes are over `maxTotalQueueBytes`: the connections with the largest
   * backlogs (the slowest consumers) are closed 4408, largest first, until the total is under it.
   */
  private shed(): void {
    const bySize = [...this.registry.all()].filter((s) => s.closeReason === undefined).sort((a, b) => b.writer.pendingBytes - a.writer.pendingBytes);
    for (const session of bySize) {
      if (this.budget.total <= this.budget.maxBytes) return;
      this.log.warn(
        { clientId: session.clientId, connId: session.info.connId, reqId: session.info.reqId, bytes: session.writer.pendingBytes },
        'node outbound bound exceeded: closing the largest backlog',
      );
      session.close(CloseCode.SlowConsumer, 'node outbound queue over limit');
    }
  }

  private beat(): void {
    for (const session of this.registry.all()) session.heartbeat();
  }

  private resyncDurable(): void {
    for (const session of this.registry.all()) session.resyncDurable();
  }

  private onBusMessage(m: BusMessage): void {
    if (m.kind === 'change') this.feed.receive(m.change);
    else this.fanout.ephemeral(m.event);
  }

  /* ---------- shutdown ---------- */

  /** Stops taking connections and closes every one with 1001 (go away, reconnect elsewhere). */
  async close(): Promise<void> {
    this.closing = true;
    this.rates.stop();
    this.fanout.wakeAll();
    clearInterval(this.heartbeat);
    this.feed.stop();
    this.unsubscribeBus?.();
    for (const session of this.registry.all()) session.close(CloseCode.GoingAway, 'server shutting down');
    // Peers get a grace period for the close handshake; whoever has not answered is cut.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([this.registry.whenEmpty(), new Promise<void>((resolve) => (grace = setTimeout(resolve, this.config.shutdownGraceMs)))]);
    clearTimeout(grace);
    for (const session of [...this.registry.all()]) {
      session.sink.terminate();
      this.closed(session, CloseCode.GoingAway, 'shutdown grace period over');
    }
  }

  get isClosing(): boolean {
    return this.closing;
  }
}
