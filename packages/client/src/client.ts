import {
  CloseCode,
  ErrorCodes,
  closeAction,
  parseChannel,
  type EventMessage,
  type RequestId,
  type ServerMessage,
  type WelcomeMessage,
} from '@livehub/protocol/core';
import { Backoff } from './backoff.js';
import { Liveness, type ConnectionQuality } from './connection-quality.js';
import { Emitter } from './emitter.js';
import { LivehubError, errorFromBody } from './errors.js';
import { host, resolveOptions, type ClientOptions, type GetTokenContext, type ResolvedOptions, type TransportKind } from './options.js';
import { Collection, httpRequest, type HttpDeps } from './rest.js';
import { CLIENT_TRANSITIONS, StateMachine, type ClientState, type StateChange } from './state-machine.js';
import { Subscription, type SubscribeOptions } from './subscription.js';
import { TokenRefresher, refreshTime } from './token-refresh.js';
import { LongPollTransport } from './transports/long-poll.js';
import { SseTransport } from './transports/sse.js';
import { ABNORMAL_CLOSE, type CloseInfo, type Transport, type TransportContext, type TransportHost } from './transports/transport.js';
import { WebSocketTransport } from './transports/websocket.js';

/**
 * The client's status in one immutable object, replaced whenever anything in it changes: hand
 * `client.subscribe` and `client.getSnapshot` to React's `useSyncExternalStore`.
 */
export interface ClientStatus {
  readonly state: ClientState;
  /** `state === 'connected'`. */
  readonly isConnected: boolean;
  /** `good` while connected with fast, answered pings; `poor` when slow, missed, or not connected. */
  readonly connectionQuality: ConnectionQuality;
  /** When the last message (other than a pong) arrived. */
  readonly lastUpdated: Date | null;
  /** Reconnect attempts since the last successful connection (0 while connected). */
  readonly reconnectAttempts: number;
  /** Transport in use (or being tried). */
  readonly transport: TransportKind | null;
  readonly clientId: string | undefined;
  readonly epoch: string | undefined;
  /** Last ping round trip (WebSocket only). */
  readonly rttMs: number | undefined;
}

/** A retry has been planned. */
export interface ReconnectInfo {
  attempt: number;
  delayMs: number;
  /** Close code of the connection (or attempt) that ended. */
  code: number;
  reason: string;
}

export interface ClientEvents {
  state: StateChange<ClientState>;
  /** A retry is planned after `delayMs`. */
  reconnect: ReconnectInfo;
  /** The transport in use changed (fallback, or back to the preferred one after a probe). */
  transport: { from: TransportKind | null; to: TransportKind };
  /** Events on channels this client has no Subscription for: `system` broadcasts and `sendTo`. */
  event: EventMessage;
  /** Errors not tied to a request or a subscription, and the reason of a final close. */
  error: LivehubError;
  /** Every server message, before the client acts on it (debugging). */
  message: ServerMessage;
}

type Pending =
  | { kind: 'subscribe'; sub: Subscription<unknown> }
  | { kind: 'unsubscribe' }
  | { kind: 'publish'; resolve(): void; reject(err: unknown): void; timer: ReturnType<typeof setTimeout> };

interface BrowserGlobals {
  addEventListener?(type: string, fn: () => void): void;
  removeEventListener?(type: string, fn: () => void): void;
  document?: { visibilityState?: string; addEventListener(type: string, fn: () => void): void; removeEventListener(type: string, fn: () => void): void };
}

const TRANSPORTS: Record<TransportKind, new (ctx: TransportContext, host: TransportHost) => Transport> = {
  websocket: WebSocketTransport,
  sse: SseTransport,
  'long-poll': LongPollTransport,
};

/** Client-side close codes that end the client instead of reconnecting. */
const FINAL_CODES: ReadonlySet<number> = new Set([CloseCode.Forbidden]);

/**
 * The livehub client: one connection (WebSocket, else SSE, else long-poll) shared by every
 * subscription, reconnecting with full-jitter backoff, resuming each subscription from its last
 * seq, refreshing tokens in place, and typed REST helpers over the same hub.
 */
export class LivehubClient {
  private readonly o: ResolvedOptions;
  private readonly machine: StateMachine<ClientState>;
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly subs = new Map<string, Subscription<unknown>>();
  private readonly pending = new Map<RequestId, Pending>();
  private readonly backoff: Backoff;
  private readonly refresher: TokenRefresher;
  private readonly http: HttpDeps;
  private nextId = 1;

  private conn: Transport | undefined;
  /** The current transport delivered `welcome` (a session is up). */
  private welcomed = false;
  private transportIndex = 0;
  /** Index a round of attempts starts at: the transport that worked last. */
  private preferred = 0;
  private triedThisRound = 0;
  private liveness: Liveness | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private probe: Transport | undefined;
  private probeDeadline: ReturnType<typeof setTimeout> | undefined;

  private token: string | undefined;
  private tokenRejected = false;
  private tokenFetch: Promise<string | undefined> | undefined;
  private authRejectedInARow = 0;
  private authTimer: ReturnType<typeof setTimeout> | undefined;

  private cid: string | undefined;
  private ep: string | undefined;
  private lastMessageAt: Date | null = null;
  private attempts = 0;
  private usedKind: TransportKind | null = null;
  /** Transports that have reached `welcome` in this client's life. */
  private readonly proven = new Set<TransportKind>();

  private status: ClientStatus | undefined;
  private readonly statusListeners = new Set<() => void>();
  private notifyQueued = false;
  private detachBrowser: (() => void) | undefined;

  constructor(options: ClientOptions = {}) {
    this.o = resolveOptions(options);
    this.token = this.o.token;
    this.cid = this.o.clientId;
    this.backoff = new Backoff(this.o.reconnect, this.o.reconnect.random);
    this.machine = new StateMachine<ClientState>('idle', CLIENT_TRANSITIONS, (c) => {
      this.changed();
      this.emitter.emit('state', c);
    });
    this.refresher = new TokenRefresher(this.o.tokenRefresh, { now: () => this.hubNow(), refresh: () => void this.refreshToken() });
    this.http = {
      base: this.o.httpBase,
      fetch: this.o.fetch,
      timeoutMs: this.o.requestTimeoutMs,
      clientId: () => this.cid,
      token: () => this.ensureToken(),
      refreshToken: async () => {
        if (!this.o.getToken) return undefined;
        this.tokenRejected = true;
        return this.ensureToken();
      },
    };
    // Bound, so they can be passed as they are to useSyncExternalStore.
    this.subscribe = this.subscribe.bind(this);
    this.getSnapshot = this.getSnapshot.bind(this);
    if (this.o.autoConnect) this.connect();
  }

  /* ---------- status ---------- */

  get state(): ClientState {
    return this.machine.state;
  }
  private isClosed(): boolean {
    return this.machine.state === 'closed';
  }
  get isConnected(): boolean {
    return this.state === 'connected';
  }
  get connectionQuality(): ConnectionQuality {
    return this.isConnected ? (this.liveness?.quality ?? 'good') : 'poor';
  }
  get reconnectAttempts(): number {
    return this.attempts;
  }
  get clientId(): string | undefined {
    return this.cid;
  }
  get epoch(): string | undefined {
    return this.ep;
  }
  /** Transport in use (or being tried); null before the first attempt. */
  get transport(): TransportKind | null {
    return this.conn?.kind ?? null;
  }
  /** When the last message (other than a pong) arrived. */
  get lastUpdated(): Date | null {
    return this.lastMessageAt;
  }
  /** Base URL of the hub's HTTP API. */
  get url(): string {
    return this.o.httpBase;
  }

  /** The current status; the same object until something changes. */
  getSnapshot(): ClientStatus {
    this.status ??= Object.freeze({
      state: this.state,
      isConnected: this.isConnected,
      connectionQuality: this.connectionQuality,
      lastUpdated: this.lastMessageAt,
      reconnectAttempts: this.attempts,
      transport: this.transport ?? this.usedKind,
      clientId: this.cid,
      epoch: this.ep,
      rttMs: this.liveness?.rttMs,
    });
    return this.status;
  }

  private changed(): void {
    this.status = undefined;
    if (this.notifyQueued || this.statusListeners.size === 0) return;
    this.notifyQueued = true;
    // One notification per turn: a batched frame of 128 events re-renders once.
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const fn of [...this.statusListeners]) fn();
    });
  }

  on<K extends keyof ClientEvents>(event: K, fn: (payload: ClientEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /* ---------- subscriptions ---------- */

  /** Status listener (for `useSyncExternalStore`): called after any change of `getSnapshot()`; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Subscribes to a channel; see {@link SubscribeOptions}. */
  subscribe<D = unknown>(channel: string, options?: SubscribeOptions<D>): Subscription<D>;
  subscribe<D = unknown>(target: string | (() => void), options: SubscribeOptions<D> = {}): Subscription<D> | (() => void) {
    if (typeof target === 'function') {
      this.statusListeners.add(target);
      return () => {
        this.statusListeners.delete(target);
      };
    }
    const channel = target;
    if (this.state === 'closed') throw new LivehubError('client_closed', 'The client is closed');
    if (!parseChannel(channel)) throw new LivehubError('invalid_channel', `Invalid channel '${channel}'`, { status: ErrorCodes.invalid_channel.status });
    if (this.subs.has(channel)) {
      throw new LivehubError('already_subscribed', `This client already has a subscription to '${channel}': share it, or unsubscribe it first`);
    }
    const sub = new Subscription<D>(channel, options, {
      unsubscribe: (s) => this.unsubscribeSub(s),
      epoch: () => this.ep,
    });
    this.subs.set(channel, sub as Subscription<unknown>);
    // Any transport takes requests before `welcome` (WebSocket queues them, SSE batches them into its stream).
    if (this.conn) this.conn.subscribe(this.requestFor(sub as Subscription<unknown>));
    return sub;
  }

  /** The open subscription to `channel`, if any. */
  subscription<D = unknown>(channel: string): Subscription<D> | undefined {
    return this.subs.get(channel) as Subscription<D> | undefined;
  }

  private requestFor(sub: Subscription<unknown>) {
    if (sub.requestId !== undefined) this.pending.delete(sub.requestId);
    const id = this.nextId++;
    this.pending.set(id, { kind: 'subscribe', sub });
    return sub.request(id);
  }

  private unsubscribeSub(sub: Subscription<unknown>): void {
    if (this.detach(sub)) sub.close('unsubscribe');
  }

  /** Forgets a subscription and tells the transport; false if it was not this client's current one. */
  private detach(sub: Subscription<unknown>): boolean {
    if (this.subs.get(sub.channel) !== sub) return false;
    this.subs.delete(sub.channel);
    if (sub.requestId !== undefined) this.pending.delete(sub.requestId);
    if (this.conn) {
      const id = this.nextId++;
      this.pending.set(id, { kind: 'unsubscribe' });
      this.conn.unsubscribe(sub.channel, id);
    }
    return true;
  }

  /* ---------- REST and publish ---------- */

  /** Typed REST helpers for a collection. */
  collection<T extends object = Record<string, unknown>>(name: string): Collection<T> {
    return new Collection<T>(this.http, name);
  }

  /**
   * Ephemeral event to a channel's subscribers. Over a WebSocket it resolves on the hub's `ack`;
   * otherwise (fallback transport, or between connections) it goes through `POST /api/publish`.
   */
  async publish(channel: string, event: string, data?: unknown): Promise<void> {
    if (this.state === 'closed') throw new LivehubError('client_closed', 'The client is closed');
    const t = this.conn;
    if (t?.duplex && this.welcomed) {
      const id = this.nextId++;
      const acked = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new LivehubError('timeout', `No ack for publish on '${channel}' within ${this.o.requestTimeoutMs} ms`));
        }, this.o.requestTimeoutMs);
        this.pending.set(id, { kind: 'publish', resolve, reject, timer });
      });
      if (t.send({ type: 'publish', id, channel, event, data: data ?? null })) return acked;
      const p = this.pending.get(id);
      if (p?.kind === 'publish') clearTimeout(p.timer);
      this.pending.delete(id);
    }
    await httpRequest(this.http, 'POST', '/api/publish', { body: { channel, event, data: data ?? null } });
  }

  /* ---------- connection lifecycle ---------- */

  /** Starts connecting (only needed with `autoConnect: false`). */
  connect(): void {
    if (this.state !== 'idle') return;
    this.machine.to('connecting', 'connect');
    this.attachBrowser();
    this.startRound();
  }

  /** Closes the connection and every subscription; final. */
  close(): void {
    this.shutdown('client close');
  }

  private shutdown(reason: string, err?: LivehubError): void {
    if (this.state === 'closed') return;
    clearTimeout(this.connectTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.authTimer);
    this.stopProbe();
    this.liveness?.stop();
    this.liveness = undefined;
    this.refresher.cancel();
    this.conn?.close(CloseCode.Normal, 'client close');
    this.conn = undefined;
    this.welcomed = false;
    this.detachBrowser?.();
    this.detachBrowser = undefined;
    for (const sub of [...this.subs.values()]) sub.close(reason, err);
    this.subs.clear();
    for (const p of this.pending.values()) {
      if (p.kind === 'publish') {
        clearTimeout(p.timer);
        p.reject(new LivehubError('client_closed', 'The client closed before the hub answered'));
      }
    }
    this.pending.clear();
    if (err) this.emitter.emit('error', err);
    this.machine.to('closed', reason);
  }

  private startRound(): void {
    this.triedThisRound = 0;
    void this.attempt(this.preferred);
  }

  private async attempt(index: number): Promise<void> {
    this.transportIndex = index;
    this.triedThisRound++;
    const kind = this.o.transports[index]!;
    try {
      await this.ensureToken();
    } catch (err) {
      if (this.state === 'closed') return;
      return this.planRetry({ code: ABNORMAL_CLOSE, reason: `getToken failed: ${(err as Error).message}` }, false);
    }
    if (this.state === 'closed' || this.conn) return;
    const t = this.createTransport(kind);
    this.conn = t;
    this.welcomed = false;
    this.changed();
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (this.conn !== t || this.welcomed) return;
      t.close(CloseCode.Normal, 'connection timeout');
      this.lost(t, { code: ABNORMAL_CLOSE, reason: `no welcome within ${this.o.connectionTimeoutMs} ms` });
    }, this.o.connectionTimeoutMs);
    t.open();
    for (const sub of this.subs.values()) t.subscribe(this.requestFor(sub));
  }

  private createTransport(kind: TransportKind): Transport {
    const ctx: TransportContext = { options: this.o, http: this.http, clientId: () => this.cid, token: () => this.token };
    let t: Transport;
    const hostFor: TransportHost = {
      message: (m) => {
        if (t === this.conn) this.onMessage(t, m);
        else if (t === this.probe && m.type === 'welcome') this.adoptProbe(t, m);
      },
      activity: () => {
        if (t === this.conn) this.liveness?.activity();
      },
      closed: (info) => {
        if (t === this.conn) this.lost(t, info);
        else if (t === this.probe) this.probeFailed();
      },
      position: (channel) => {
        const sub = this.subs.get(channel);
        return sub && sub.state !== 'closed' ? sub.resumePosition() : undefined;
      },
    };
    t = new TRANSPORTS[kind](ctx, hostFor);
    return t;
  }

  private onMessage(t: Transport, m: ServerMessage): void {
    if (m.type !== 'pong') {
      this.lastMessageAt = new Date();
      this.changed();
    }
    this.emitter.emit('message', m);
    switch (m.type) {
      case 'welcome':
        return this.onWelcome(t, m);
      case 'subscribed': {
        const p = this.pending.get(m.id);
        const sub = p?.kind === 'subscribe' ? p.sub : this.subs.get(m.channel);
        if (sub && this.subs.get(sub.channel) === sub) sub.onSubscribed(m);
        return;
      }
      case 'unsubscribed':
        this.pending.delete(m.id);
        return;
      case 'event': {
        const sub = this.subs.get(m.channel);
        if (sub) sub.onEvent(m);
        else this.emitter.emit('event', m);
        return;
      }
      case 'ack': {
        const p = this.pending.get(m.id);
        if (p?.kind !== 'publish') return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        p.resolve();
        return;
      }
      case 'pong':
        this.liveness?.pong(m.id, m.serverTs);
        return;
      case 'authed':
        clearTimeout(this.authTimer);
        this.authTimer = undefined;
        return;
      case 'error':
        return this.onError(m);
      default:
        return;
    }
  }

  private onError(m: Extract<ServerMessage, { type: 'error' }>): void {
    const err = errorFromBody(m, ErrorCodes[m.code]?.status);
    const p = m.id !== undefined ? this.pending.get(m.id) : undefined;
    if (p?.kind === 'unsubscribe') {
      this.pending.delete(m.id!);
      return;
    }
    if (p?.kind === 'publish') {
      this.pending.delete(m.id!);
      clearTimeout(p.timer);
      p.reject(err);
      return;
    }
    if (p?.kind === 'subscribe') {
      const sub = p.sub;
      if (this.subs.get(sub.channel) !== sub) return;
      if (m.code === 'resync_required') {
        // The hub dropped the channel rather than skip changes: resume from our position; it answers `reset` if it must.
        sub.suspend('resync_required');
        this.conn?.subscribe(this.requestFor(sub));
        return;
      }
      // The hub keeps nothing of a refused subscribe; the transport still forgets it (SSE would re-request it).
      this.detach(sub);
      sub.fail(err);
      return;
    }
    this.emitter.emit('error', err);
  }

  private onWelcome(t: Transport, m: WelcomeMessage): void {
    this.ep = m.epoch;
    this.cid = m.clientId;
    this.changed();
    // A reopened SSE stream (new channel set or token) greets again: same session, nothing to redo.
    if (this.welcomed) return;
    this.welcomed = true;
    clearTimeout(this.connectTimer);
    this.backoff.reset();
    this.attempts = 0;
    this.authRejectedInARow = 0;
    this.preferred = this.transportIndex;
    this.proven.add(t.kind);
    this.startLiveness(t, m);
    this.refresher.schedule(this.token);
    const from = this.usedKind;
    this.usedKind = t.kind;
    this.machine.to('connected', `welcome via ${t.kind}`);
    if (from !== t.kind) this.emitter.emit('transport', { from, to: t.kind });
    if (this.transportIndex > 0) this.scheduleProbe();
  }

  private startLiveness(t: Transport, m: WelcomeMessage): void {
    this.liveness?.stop();
    this.liveness = undefined;
    const hooks = {
      sendPing: (id: string, ts: number) => void t.send({ type: 'ping', id, ts }),
      changed: () => this.changed(),
      dead: () => {
        if (this.conn !== t) return;
        t.close(CloseCode.Normal, 'no answer to pings');
        this.lost(t, { code: ABNORMAL_CLOSE, reason: 'peer stopped answering' });
      },
      now: () => Date.now(),
    };
    if (t.duplex && this.o.heartbeatMs > 0) {
      this.liveness = new Liveness('ping', { intervalMs: this.o.heartbeatMs, pongTimeoutMs: this.o.pongTimeoutMs, poorRttMs: this.o.poorRttMs, deadAfterMissed: 2 }, hooks);
    } else if (t.kind === 'sse' && m.heartbeatMs > 0) {
      // The hub writes a `: ping` comment every heartbeat; silence means a dead stream.
      this.liveness = new Liveness('passive', { intervalMs: m.heartbeatMs, pongTimeoutMs: this.o.pongTimeoutMs, poorRttMs: this.o.poorRttMs, deadAfterMissed: 2 }, hooks);
    }
    this.liveness?.start();
  }

  /** The current transport ended (or was given up on): decide between retrying, falling back and closing. */
  private lost(t: Transport, info: CloseInfo): void {
    if (this.conn !== t || this.state === 'closed') return;
    this.conn = undefined;
    const wasWelcomed = this.welcomed;
    this.welcomed = false;
    clearTimeout(this.connectTimer);
    clearTimeout(this.authTimer);
    this.liveness?.stop();
    this.liveness = undefined;
    this.refresher.cancel();
    this.stopProbe();
    for (const sub of this.subs.values()) sub.suspend(`connection closed (${info.code})`);
    for (const [id, p] of this.pending) {
      if (p.kind === 'publish') {
        clearTimeout(p.timer);
        p.reject(new LivehubError('network_error', `Connection closed (${info.code}) before the hub acknowledged the publish`));
      }
      this.pending.delete(id);
    }
    this.changed();

    if (FINAL_CODES.has(info.code)) {
      return this.shutdown(`closed ${info.code}`, new LivehubError('forbidden', info.reason || 'The hub refused this client (4403)', { status: 403 }));
    }
    if (info.code === CloseCode.Unauthenticated) {
      if (!this.o.getToken) {
        return this.shutdown(`closed ${info.code}`, new LivehubError('unauthenticated', info.reason || 'The hub refused the token (4401)', { status: 401 }));
      }
      // Ask for a fresh token before the next attempt; the first such retry goes at once.
      this.tokenRejected = true;
      this.authRejectedInARow++;
      return this.planRetry(info, this.authRejectedInARow === 1);
    }
    // An attempt that never got `welcome` may be a blocked transport: try the next one right away —
    // unless this transport has worked before and nothing says it is blocked, which looks like the
    // hub being away (trying the others would only multiply the load of a reconnect storm). From the
    // third failed round on, every round tries them all, in case the network now blocks it.
    const moveOn = !this.proven.has(t.kind) || info.blocked === true || this.attempts >= 2;
    if (!wasWelcomed && moveOn && this.triedThisRound < this.o.transports.length) {
      void this.attempt((this.transportIndex + 1) % this.o.transports.length);
      return;
    }
    // 1001/4408 mean "this connection, not you": go again at once (the first time; failures after that back off).
    this.planRetry(info, closeAction(info.code) === 'reconnect_now' && wasWelcomed);
  }

  private planRetry(info: CloseInfo, atOnce: boolean): void {
    if (this.state === 'closed') return;
    if (this.state === 'connected') this.machine.to('reconnecting', `closed ${info.code}${info.reason ? `: ${info.reason}` : ''}`);
    if (this.attempts >= this.o.reconnect.maxAttempts) {
      return this.shutdown('max_attempts', new LivehubError('network_error', `Gave up after ${this.attempts} reconnect attempts (last: ${info.code} ${info.reason})`));
    }
    this.attempts++;
    const delayMs = atOnce ? 0 : this.backoff.next();
    this.changed();
    this.emitter.emit('reconnect', { attempt: this.attempts, delayMs, code: info.code, reason: info.reason });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startRound();
    }, delayMs);
  }

  /** Browser back online or tab visible again: skip the rest of the backoff wait. */
  private retryNow = (): void => {
    if (this.retryTimer === undefined || this.state === 'closed') return;
    const visible = (host as BrowserGlobals).document?.visibilityState;
    if (visible !== undefined && visible !== 'visible') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.startRound();
  };

  private attachBrowser(): void {
    const g = host as BrowserGlobals;
    if (typeof g.addEventListener !== 'function' || !g.document) return;
    const fn = this.retryNow;
    g.addEventListener('online', fn);
    g.document.addEventListener('visibilitychange', fn);
    this.detachBrowser = () => {
      g.removeEventListener?.('online', fn);
      g.document?.removeEventListener('visibilitychange', fn);
    };
  }

  /* ---------- probing back to the preferred transport ---------- */

  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => this.runProbe(), this.o.probeIntervalMs);
  }

  private runProbe(): void {
    if (this.state !== 'connected' || this.transportIndex === 0 || this.probe) return;
    const p = this.createTransport(this.o.transports[0]!);
    this.probe = p;
    this.probeDeadline = setTimeout(() => {
      if (this.probe !== p) return;
      p.close(CloseCode.Normal, 'probe timeout');
      this.probeFailed();
    }, this.o.connectionTimeoutMs);
    p.open();
  }

  private probeFailed(): void {
    this.stopProbe();
    if (this.state === 'connected' && this.transportIndex > 0) this.scheduleProbe();
  }

  private stopProbe(): void {
    clearTimeout(this.probeTimer);
    clearTimeout(this.probeDeadline);
    this.probeTimer = undefined;
    this.probe?.close(CloseCode.Normal, 'probe done');
    this.probe = undefined;
  }

  /** The preferred transport works again: move every subscription onto it, resuming by seq. */
  private adoptProbe(p: Transport, welcome: WelcomeMessage): void {
    clearTimeout(this.probeDeadline);
    this.probe = undefined;
    const old = this.conn;
    this.conn = p;
    old?.close(CloseCode.Normal, 'back to the preferred transport');
    this.welcomed = false;
    this.transportIndex = 0;
    this.liveness?.stop();
    this.liveness = undefined;
    for (const [id, p2] of this.pending) {
      if (p2.kind === 'publish') {
        clearTimeout(p2.timer);
        p2.reject(new LivehubError('network_error', 'Transport switched before the hub acknowledged the publish'));
      }
      this.pending.delete(id);
    }
    for (const sub of this.subs.values()) {
      sub.suspend('transport switch');
      p.subscribe(this.requestFor(sub));
    }
    this.onMessage(p, welcome);
  }

  /* ---------- tokens ---------- */

  /** Hub time, corrected by the offset measured from pongs (token expiry is the hub's clock). */
  private hubNow(): number {
    return Date.now() + (this.liveness?.clockOffsetMs ?? 0);
  }

  /** The token to use now: fetched when there is none, it was refused, or it is about to expire. */
  private async ensureToken(): Promise<string | undefined> {
    const get = this.o.getToken;
    if (!get) return this.token;
    const due = this.token !== undefined ? refreshTime(this.token, this.hubNow(), this.o.tokenRefresh) : undefined;
    const stale = this.token === undefined || this.tokenRejected || (due !== undefined && due <= this.hubNow());
    if (!stale) return this.token;
    const reason: GetTokenContext['reason'] = this.tokenRejected ? 'rejected' : this.token === undefined ? 'connect' : 'expiring';
    this.tokenFetch ??= (async () => {
      try {
        const t = await get({ reason });
        // A token renewed ahead of expiry (here, for a request) also goes to the live connection.
        if (t !== undefined) {
          if (reason === 'expiring') this.present(t);
          else this.token = t;
        }
        this.tokenRejected = false;
        return this.token;
      } finally {
        this.tokenFetch = undefined;
      }
    })();
    return this.tokenFetch;
  }

  /** Ahead of `exp`: a new token, presented on the live connection (no reconnect). */
  private async refreshToken(): Promise<void> {
    const get = this.o.getToken;
    if (!get || this.state === 'closed') return;
    let fresh: string | undefined;
    try {
      fresh = await get({ reason: 'expiring' });
    } catch (err) {
      this.emitter.emit('error', new LivehubError('unauthenticated', `getToken failed: ${(err as Error).message}`, { cause: err }));
      return;
    }
    if (fresh === undefined || this.isClosed()) return;
    this.present(fresh);
  }

  /** Makes `fresh` the token: sent as `auth` on the live connection, and its own refresh planned. */
  private present(fresh: string): void {
    this.token = fresh;
    const t = this.conn;
    if (t && this.welcomed) {
      t.updateToken(fresh);
      if (t.duplex) {
        // The hub answers `auth` with `authed`, or closes 4401; silence means the connection is not working.
        clearTimeout(this.authTimer);
        this.authTimer = setTimeout(() => {
          this.authTimer = undefined;
          if (this.conn !== t) return;
          t.close(CloseCode.Normal, 'no authed');
          this.lost(t, { code: ABNORMAL_CLOSE, reason: `no 'authed' within ${this.o.requestTimeoutMs} ms` });
        }, this.o.requestTimeoutMs);
      }
    }
    this.refresher.schedule(fresh);
  }
}

/** Creates a client; see {@link ClientOptions} for every option and its default. */
export function createClient(options: ClientOptions = {}): LivehubClient {
  return new LivehubClient(options);
}
