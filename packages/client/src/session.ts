import { CloseCode, type ServerMessage, type WelcomeMessage } from '@livehub/protocol/core';
import type { Channels } from './channels.js';
import type { ClientEvents } from './client-events.js';
import type { ConnectionQuality } from './connection-quality.js';
import { ConnectionWatch } from './connection-watch.js';
import type { Emitter } from './emitter.js';
import { LivehubError } from './errors.js';
import type { ResolvedOptions, TransportKind } from './options.js';
import type { PendingRequests } from './pending-requests.js';
import { TransportProbe } from './probe.js';
import { decideReconnect, type ReconnectEvent } from './reconnect-decision.js';
import type { HttpDeps } from './rest.js';
import { CLIENT_TRANSITIONS, StateMachine, type ClientState } from './state-machine.js';
import type { TokenManager } from './token.js';
import { RetryTimer } from './retry-timer.js';
import { createTransport } from './transports/create.js';
import type { CloseInfo, Transport, TransportContext, TransportHost } from './transports/transport.js';

export interface SessionDeps {
  options: ResolvedOptions;
  emitter: Emitter<ClientEvents>;
  /** Something in the status changed. */
  changed(): void;
  tokens: TokenManager;
  /** Only to reject what a lost connection leaves unanswered. */
  pending: Pick<PendingRequests<unknown>, 'rejectAll'>;
  channels: Channels;
  http: HttpDeps;
}

/**
 * The connection's life: one transport at a time, from `welcome` to its end, then what
 * {@link decideReconnect} says (retry after a backoff or at once, the next transport, a fresh
 * token, or stop), carried out here with timers. Also keeps it alive (pings), presents renewed
 * tokens on it, and moves back to the preferred transport when a probe reaches it.
 */
export class Session {
  readonly machine: StateMachine<ClientState>;
  private readonly o: ResolvedOptions;
  private readonly retry: RetryTimer;
  private readonly probe: TransportProbe;
  private conn: Transport | undefined;
  /** The current transport delivered `welcome` (a session is up). */
  private welcomed = false;
  private transportIndex = 0;
  /** Index a round of attempts starts at: the transport that worked last. */
  private preferred = 0;
  private triedThisRound = 0;
  private readonly watch: ConnectionWatch;
  private authRejectedInARow = 0;
  private attempts = 0;
  private usedKind: TransportKind | null = null;
  /** Transports that have reached `welcome` in this client's life. */
  private readonly proven = new Set<TransportKind>();
  private cid: string | undefined;
  private ep: string | undefined;
  private lastMessageAt: Date | null = null;
  /** What the transports of this round could tell of why they failed (the last one that could). */
  private roundError: LivehubError | undefined;
  /** The message of the last round error emitted: the same cause is reported once, not every round. */
  private reportedError: string | undefined;

  constructor(private readonly d: SessionDeps) {
    this.o = d.options;
    this.cid = d.options.clientId;
    this.retry = new RetryTimer(this.o.reconnect, this.o.reconnect.random, () => this.startRound());
    this.machine = new StateMachine<ClientState>('idle', CLIENT_TRANSITIONS, (c) => {
      d.changed();
      d.emitter.emit('state', c);
    });
    this.watch = new ConnectionWatch(this.o, { dead: (t, closeReason, reason) => this.giveUp(t, closeReason, reason), changed: () => d.changed() });
    this.probe = new TransportProbe(this.o.probeIntervalMs, this.o.connectionTimeoutMs, {
      wanted: () => this.machine.state === 'connected' && this.transportIndex > 0,
      create: () => this.createTransport(this.o.transports[0]!),
    });
  }

  /* ---------- read by the facade and the status ---------- */

  get state(): ClientState {
    return this.machine.state;
  }
  get clientId(): string | undefined {
    return this.cid;
  }
  get epoch(): string | undefined {
    return this.ep;
  }
  get lastUpdated(): Date | null {
    return this.lastMessageAt;
  }
  get reconnectAttempts(): number {
    return this.attempts;
  }
  /** The transport in use, else the one used last. */
  get lastTransport(): TransportKind | null {
    return this.conn?.kind ?? this.usedKind;
  }
  get connectionQuality(): ConnectionQuality {
    return this.state === 'connected' ? this.watch.quality : 'poor';
  }
  get rttMs(): number | undefined {
    return this.watch.rttMs;
  }
  /** The current connection, welcomed or not (requests may be queued on it). */
  get current(): Transport | undefined {
    return this.conn;
  }
  /** The connection, when it is up and can carry a publish with ack. */
  get duplex(): Transport | undefined {
    return this.conn?.duplex && this.welcomed ? this.conn : undefined;
  }
  /** Hub time, corrected by the offset measured from pongs (token expiry is the hub's clock). */
  hubNow(): number {
    return Date.now() + this.watch.clockOffsetMs;
  }

  /* ---------- lifecycle ---------- */

  start(): void {
    if (this.state !== 'idle') return;
    this.machine.to('connecting', 'connect');
    this.retry.start();
    this.startRound();
  }

  /** Ends everything; final. `err` is emitted and given to every subscription as the reason. */
  shutdown(reason: string, err?: LivehubError): void {
    if (this.state === 'closed') return;
    this.retry.stop();
    this.dropConnection();
    this.conn?.close(CloseCode.Normal, 'client close');
    this.conn = undefined;
    this.d.channels.closeAll(reason, err);
    this.d.pending.rejectAll(new LivehubError('client_closed', 'The client closed before the hub answered'));
    if (err) this.d.emitter.emit('error', err);
    this.machine.to('closed', reason);
  }

  /** A renewed token: sent as `auth` on the live connection (the hub answers `authed`, or closes 4401). */
  present(token: string): void {
    const t = this.conn;
    if (!t || !this.welcomed) return;
    t.updateToken(token);
    if (t.duplex) this.watch.authSent(t);
  }

  private startRound(): void {
    this.triedThisRound = 0;
    this.roundError = undefined;
    void this.attempt(this.preferred);
  }

  private async attempt(index: number): Promise<void> {
    this.transportIndex = index;
    this.triedThisRound++;
    try {
      await this.d.tokens.ensure();
    } catch (err) {
      if (this.state === 'closed') return;
      return this.follow({ kind: 'token-failed', code: CloseCode.Abnormal, reason: `getToken failed: ${(err as Error).message}` }, false);
    }
    if (this.state === 'closed' || this.conn) return;
    const t = this.createTransport(this.o.transports[index]!);
    this.conn = t;
    this.welcomed = false;
    this.d.changed();
    this.watch.opening(t);
    t.open();
    this.d.channels.subscribeAll(t);
  }

  private createTransport(kind: TransportKind): Transport {
    const ctx: TransportContext = { options: this.o, http: this.d.http, clientId: () => this.cid, token: () => this.d.tokens.token };
    // The handlers name `t`, declared below: transports call their host only after open(), never while constructed.
    const host: TransportHost = {
      message: (m) => {
        if (t === this.conn) this.onMessage(t, m);
        else if (this.probe.is(t) && m.type === 'welcome') this.adoptProbe(t, m);
      },
      activity: () => {
        if (t === this.conn) this.watch.activity();
      },
      closed: (info) => {
        if (t === this.conn) this.lost(t, info);
        else if (this.probe.is(t)) this.probe.failed();
      },
      position: (channel) => this.d.channels.position(channel),
    };
    const t = createTransport(kind, ctx, host);
    return t;
  }

  private onMessage(t: Transport, m: ServerMessage): void {
    if (m.type !== 'pong') {
      this.lastMessageAt = new Date();
      this.d.changed();
    }
    this.d.emitter.emit('message', m);
    switch (m.type) {
      case 'welcome':
        return this.onWelcome(t, m);
      case 'pong':
        return this.watch.pong(m.id, m.serverTs);
      case 'authed':
        return this.watch.authed();
      case 'subscribed':
      case 'unsubscribed':
      case 'event':
      case 'ack':
      case 'error':
        return this.d.channels.handle(m);
      default:
        return;
    }
  }

  private onWelcome(t: Transport, m: WelcomeMessage): void {
    this.ep = m.epoch;
    this.cid = m.clientId;
    this.d.changed();
    // A reopened SSE stream (new channel set or token) greets again: same session, nothing to redo.
    if (this.welcomed) return;
    this.welcomed = true;
    this.watch.welcomed(t, m);
    this.retry.reset();
    this.reportedError = undefined;
    this.attempts = 0;
    this.authRejectedInARow = 0;
    this.preferred = this.transportIndex;
    this.proven.add(t.kind);
    this.d.tokens.scheduleRefresh();
    const from = this.usedKind;
    this.usedKind = t.kind;
    this.machine.to('connected', `welcome via ${t.kind}`);
    if (from !== t.kind) this.d.emitter.emit('transport', { from, to: t.kind });
    if (this.transportIndex > 0) this.probe.schedule();
  }

  /** The client gives up on `t` (timeout, dead peer): closed here, then handled as lost with 1006. */
  private giveUp(t: Transport, closeReason: string, reason: string): void {
    if (this.conn !== t) return;
    t.close(CloseCode.Normal, closeReason);
    this.lost(t, { code: CloseCode.Abnormal, reason });
  }

  /** Stops what belongs to the current connection (its watchdogs, token refresh, probe). */
  private dropConnection(): void {
    this.watch.stop();
    this.d.tokens.cancelRefresh();
    this.probe.stop();
    this.welcomed = false;
  }

  /** The current transport ended (or was given up on). */
  private lost(t: Transport, info: CloseInfo): void {
    if (this.conn !== t || this.state === 'closed') return;
    this.conn = undefined;
    const wasWelcomed = this.welcomed;
    if (!wasWelcomed && info.error) this.roundError = info.error;
    this.dropConnection();
    this.d.channels.suspendAll(`connection closed (${info.code})`);
    this.d.pending.rejectAll(new LivehubError('network_error', `Connection closed (${info.code}) before the hub acknowledged the publish`));
    this.d.changed();
    this.follow({ kind: 'closed', code: info.code, reason: info.reason, ...(info.blocked ? { blocked: true } : {}) }, wasWelcomed);
  }

  /** Carries out the reconnect decision for `e`. */
  private follow(e: ReconnectEvent, welcomed: boolean): void {
    if (this.state === 'closed') return;
    const step = decideReconnect(
      {
        transports: this.o.transports,
        transportIndex: this.transportIndex,
        triedThisRound: this.triedThisRound,
        welcomed,
        proven: this.proven,
        attempts: this.attempts,
        maxAttempts: this.o.reconnect.maxAttempts,
        canRefreshToken: this.d.tokens.canRefresh,
        authRejectedInARow: this.authRejectedInARow,
      },
      e,
    );
    if (step.kind === 'next-transport') {
      void this.attempt(step.index);
      return;
    }
    // A code that ends the client brings its own error; every other end of a round reports what it saw.
    if (step.kind !== 'stop' || step.reason === 'max_attempts') this.reportRound();
    // A code that ends the client closes it from `connected`; giving up on retries comes after `reconnecting`.
    if (step.kind === 'stop' && step.reason !== 'max_attempts') return this.shutdown(step.reason, step.error);
    if (this.state === 'connected') this.machine.to('reconnecting', `closed ${e.code}${e.reason ? `: ${e.reason}` : ''}`);
    if (step.kind === 'stop') return this.shutdown(step.reason, step.error);
    if (step.kind === 'refresh-token-then-retry') {
      this.d.tokens.markRejected();
      this.authRejectedInARow++;
    }
    this.attempts++;
    const delayMs = this.retry.plan(step.atOnce);
    this.d.changed();
    this.d.emitter.emit('reconnect', { attempt: this.attempts, delayMs, code: e.code, reason: e.reason });
  }

  /**
   * A round of attempts failed: its most telling error becomes an `error` event (a hub on another
   * origin that refuses this page, a proxy that does not forward `/api`), so an app is not left
   * showing "Connecting…" with nothing to say why. Once per cause until a connection succeeds.
   */
  private reportRound(): void {
    const err = this.roundError;
    this.roundError = undefined;
    if (!err || err.message === this.reportedError) return;
    this.reportedError = err.message;
    this.d.emitter.emit('error', err);
  }

  /** The preferred transport works again: move every subscription onto it, resuming by seq. */
  private adoptProbe(p: Transport, welcome: WelcomeMessage): void {
    this.probe.take();
    const old = this.conn;
    this.conn = p;
    old?.close(CloseCode.Normal, 'back to the preferred transport');
    this.welcomed = false;
    this.transportIndex = 0;
    this.watch.stopLiveness();
    this.d.pending.rejectAll(new LivehubError('network_error', 'Transport switched before the hub acknowledged the publish'));
    this.d.channels.suspendAll('transport switch');
    this.d.channels.subscribeAll(p);
    this.onMessage(p, welcome);
  }
}
