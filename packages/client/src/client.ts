import { ErrorCodes, parseChannel, type CollectionDeclarations, type CollectionName, type RecordOf } from '@livehub/protocol/core';
import { Channels } from './channels.js';
import type { ClientEvents } from './client-events.js';
import type { ConnectionQuality } from './connection-quality.js';
import { Emitter } from './emitter.js';
import { LivehubError } from './errors.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions, type TransportKind } from './options.js';
import { PendingRequests } from './pending-requests.js';
import { Collection, httpRequest, type HttpDeps } from './rest.js';
import { Session } from './session.js';
import type { ClientState } from './state-machine.js';
import { StatusStore } from './status-store.js';
import type { Subscription, SubscribeOptions } from './subscription.js';
import { TokenManager } from './token.js';

export type { ClientEvents, ReconnectInfo } from './client-events.js';
export type { ClientStatus } from './status-store.js';

/**
 * The livehub client: one connection (WebSocket, else SSE, else long-poll) shared by every
 * subscription, reconnecting with full-jitter backoff, resuming each subscription from its last
 * seq, refreshing tokens in place, and typed REST helpers over the same hub. This class only wires
 * the parts together: the {@link Session} runs the connection, {@link Channels} the subscriptions,
 * {@link PendingRequests} the unanswered requests, {@link TokenManager} the credentials, and
 * {@link StatusStore} (`client.status`) the status.
 *
 * `C` is the app's collection declarations (`typeof collections`, from `defineCollections`): with
 * it, `collection('agent')` is typed by the schema the hub validates with. Types only.
 */
export class LivehubClient<C extends CollectionDeclarations = NoCollections> {
  /** The status as an external store: `status.subscribe(listener)`, `status.getSnapshot()` (for `useSyncExternalStore`). */
  readonly status: StatusStore;
  private readonly o: ResolvedOptions;
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly pending = new PendingRequests<Subscription<unknown>>();
  private readonly tokens: TokenManager;
  private readonly channels: Channels;
  private readonly session: Session;
  private readonly http: HttpDeps;

  constructor(options: ClientOptions = {}) {
    this.o = resolveOptions(options);
    this.status = new StatusStore(() => {
      const s = this.session;
      return {
        state: s.state,
        isConnected: s.state === 'connected',
        connectionQuality: s.connectionQuality,
        lastUpdated: s.lastUpdated,
        reconnectAttempts: s.reconnectAttempts,
        transport: s.lastTransport,
        clientId: s.clientId,
        epoch: s.epoch,
        rttMs: s.rttMs,
      };
    });
    this.tokens = new TokenManager(this.o, {
      now: () => this.session.hubNow(),
      present: (token) => this.session.present(token),
      error: (err) => this.emitter.emit('error', err),
      active: () => this.session.state !== 'closed',
    });
    this.http = {
      base: this.o.httpBase,
      fetch: this.o.fetch,
      timeoutMs: this.o.requestTimeoutMs,
      clientId: () => this.session.clientId,
      token: () => this.tokens.ensure(),
      refreshToken: () => this.tokens.replaceRejected(),
    };
    this.channels = new Channels(this.pending, {
      conn: () => this.session.current,
      epoch: () => this.session.epoch,
      unrouted: (m) => this.emitter.emit('event', m),
      error: (err) => this.emitter.emit('error', err),
    });
    this.session = new Session({
      options: this.o,
      emitter: this.emitter,
      changed: () => this.status.changed(),
      tokens: this.tokens,
      pending: this.pending,
      channels: this.channels,
      http: this.http,
    });
    if (this.o.autoConnect) this.connect();
  }

  /* ---------- status (each also in `status.getSnapshot()`) ---------- */

  get state(): ClientState {
    return this.session.state;
  }
  get isConnected(): boolean {
    return this.state === 'connected';
  }
  get connectionQuality(): ConnectionQuality {
    return this.session.connectionQuality;
  }
  get reconnectAttempts(): number {
    return this.session.reconnectAttempts;
  }
  get clientId(): string | undefined {
    return this.session.clientId;
  }
  get epoch(): string | undefined {
    return this.session.epoch;
  }
  /** Transport in use (or being tried); null before the first attempt. */
  get transport(): TransportKind | null {
    return this.session.current?.kind ?? null;
  }
  /** When the last message (other than a pong) arrived. */
  get lastUpdated(): Date | null {
    return this.session.lastUpdated;
  }
  /** Base URL of the hub's HTTP API. */
  get url(): string {
    return this.o.httpBase;
  }

  on<K extends keyof ClientEvents>(event: K, fn: (payload: ClientEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /* ---------- subscriptions ---------- */

  /** Subscribes to a channel; see {@link SubscribeOptions}. One subscription per channel and client. */
  subscribe<D = unknown>(channel: string, options: SubscribeOptions<D> = {}): Subscription<D> {
    if (this.state === 'closed') throw new LivehubError('client_closed', 'The client is closed');
    if (typeof channel !== 'string' || !parseChannel(channel)) {
      throw new LivehubError('invalid_channel', `Invalid channel '${String(channel)}'`, { status: ErrorCodes.invalid_channel.status });
    }
    if (this.channels.has(channel)) {
      throw new LivehubError('already_subscribed', `This client already has a subscription to '${channel}': share it, or unsubscribe it first`);
    }
    return this.channels.add(channel, options);
  }

  /** The open subscription to `channel`, if any. */
  subscription<D = unknown>(channel: string): Subscription<D> | undefined {
    return this.channels.get(channel) as Subscription<D> | undefined;
  }

  /* ---------- REST and publish ---------- */

  /** REST helpers for a declared collection, typed by its schema (see `C`). */
  collection<K extends CollectionName<C>>(name: K): Collection<RecordOf<C, K>>;
  /** REST helpers for any collection, with the record type `T` you give. */
  collection<T extends object = Record<string, unknown>>(name: string): Collection<T>;
  collection(name: string): Collection<Record<string, unknown>> {
    return new Collection(this.http, name);
  }

  /**
   * Ephemeral event to a channel's subscribers. Over a WebSocket it resolves on the hub's `ack`;
   * otherwise (fallback transport, or between connections) it goes through `POST /api/publish`.
   */
  async publish(channel: string, event: string, data?: unknown): Promise<void> {
    if (this.state === 'closed') throw new LivehubError('client_closed', 'The client is closed');
    const t = this.session.duplex;
    if (t) {
      const { id, acked } = this.pending.publish(this.o.requestTimeoutMs, `publish on '${channel}'`);
      if (t.send({ type: 'publish', id, channel, event, data: data ?? null })) return acked;
      this.pending.forget(id);
    }
    await httpRequest(this.http, 'POST', '/api/publish', { body: { channel, event, data: data ?? null } });
  }

  /* ---------- lifecycle ---------- */

  /** Starts connecting (only needed with `autoConnect: false`). */
  connect(): void {
    this.session.start();
  }

  /** Closes the connection and every subscription; final. */
  close(): void {
    this.session.shutdown('client close');
  }
}

/** No declared collections: every `collection(name)` takes its record type from you. */
export type NoCollections = Record<never, never>;

/**
 * Creates a client; see {@link ClientOptions} for every option and its default.
 * `createClient<typeof collections>()` types `collection(name)` by the app's `defineCollections`.
 */
export function createClient<C extends CollectionDeclarations = NoCollections>(options: ClientOptions = {}): LivehubClient<C> {
  return new LivehubClient<C>(options);
}
