import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { WATCH_ALL, type Bus, type BusMessage, type BusStatus, rethrowLater } from './bus.js';
import { BusWire } from './bus-wire.js';
import { RedisChannels } from './redis-channels.js';

export interface RedisBusOptions {
  /** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prefix of every Redis channel this bus uses; nodes of one deployment share it. Default `livehub`. */
  keyPrefix?: string;
  /** Where connection losses and recoveries are logged. Default: nowhere. */
  log?: Logger;
  /** Where a throwing handler's error goes. Default: rethrown in a microtask (loud). */
  onHandlerError?: (err: unknown) => void;
  /** How long a publish waits for Redis's answer before it fails (ms). Default 5000. */
  commandTimeoutMs?: number;
}

/** Reconnect backoff: 100 ms more per attempt, at most 2 s between attempts, forever. */
const retryStrategy = (times: number): number => Math.min(times * 100, 2000);

/**
 * A bus over Redis pub/sub, for several nodes. Two connections: one publishes (no offline queue,
 * so a publish while Redis is away fails at once instead of piling up), one subscribes (its
 * SUBSCRIBEs wait out an outage; ioredis re-subscribes every channel after a reconnect).
 *
 * Every node subscribes `<prefix>:changes`; ephemeral events go on a Redis channel per livehub
 * channel and `sendTo` on one per clientId, subscribed only while this node has interest
 * (`RedisChannels`). Messages lost during an outage are not replayed by Redis: each node's change
 * feed fills the gap from the log (it polls the log head), and ephemeral events are at-most-once.
 */
export class RedisBus implements Bus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channels: RedisChannels;
  private readonly wire = new BusWire();
  private readonly handlers = new Set<(m: BusMessage) => void>();
  private readonly onHandlerError: (err: unknown) => void;
  private readonly log: Logger | undefined;
  private readonly where: string;
  /** Both connections up and the changes channel subscribed, or the first connection error: a node starts degraded rather than not at all. */
  private readonly started: Promise<void>;
  private closed = false;
  private ok = false;
  /** This outage was logged. */
  private warned = false;
  private lastError: string | undefined;
  /** Changes not announced while Redis was away (other nodes read them from the log). */
  private unannounced = 0;
  /**
   * The last message that came on a subscribed ephemeral channel. While this node also holds the
   * `*` pattern, Redis sends each such publish twice, the plain copy first and the pattern copy
   * right after; every payload is unique (`BusWire` numbers them), so a pattern copy equal to
   * the last plain one is that same publish.
   */
  private lastPlain: string | undefined;

  constructor(options: RedisBusOptions) {
    this.channels = new RedisChannels(options.keyPrefix ?? 'livehub');
    this.onHandlerError = options.onHandlerError ?? rethrowLater;
    this.log = options.log;
    this.where = describeUrl(options.url);
    const common: RedisOptions = { retryStrategy, connectionName: `${this.channels.prefix}-bus` };
    this.pub = new Redis(options.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 5000 });
    this.sub = new Redis(options.url, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });
    for (const [role, conn] of [
      ['publisher', this.pub],
      ['subscriber', this.sub],
    ] as const) {
      conn.on('error', (err: Error) => {
        this.lastError = `${role}: ${err.message}`;
        this.noteState();
      });
      for (const event of ['ready', 'close', 'end', 'reconnecting']) conn.on(event, () => this.noteState());
    }
    this.sub.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    this.sub.on('pmessage', (_pattern: string, channel: string, text: string) => this.onPatternMessage(channel, text));
    const firstError = new Promise<void>((resolve) => {
      this.pub.once('error', () => resolve());
      this.sub.once('error', () => resolve());
    });
    const up = Promise.all([whenReady(this.pub), this.sub.subscribe(this.channels.changes)]).then(() => undefined);
    this.started = Promise.race([up, firstError]).catch(() => undefined);
  }

  async publish(message: BusMessage): Promise<void> {
    if (this.closed) throw new Error('Redis bus: publish on a closed bus');
    if (message.kind === 'change') {
      // Already durable: while Redis is away, nodes learn of it from the log poll. Not an error per write.
      if (this.pub.status !== 'ready') {
        this.unannounced++;
        return;
      }
      await this.pub.publish(this.channels.changes, this.wire.encodeChange(message.change));
      return;
    }
    if (this.pub.status !== 'ready') throw new Error(`Redis bus unavailable at ${this.where} (${this.downDetail()})`);
    await this.pub.publish(this.channels.route(message.event), this.wire.encodeEphemeral(message.event));
  }

  /** Waits (once) until Redis answers or first refuses, so a node on a live Redis starts with its changes channel subscribed. */
  async subscribe(handler: (m: BusMessage) => void): Promise<() => void> {
    if (this.closed) throw new Error('Redis bus: subscribe on a closed bus');
    await this.started;
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  async watch(channel: string): Promise<void> {
    if (channel === WATCH_ALL) await this.sub.psubscribe(this.channels.everyEphemeral);
    else await this.sub.subscribe(this.channels.ephemeral(channel));
  }

  async unwatch(channel: string): Promise<void> {
    if (channel === WATCH_ALL) await this.sub.punsubscribe(this.channels.everyEphemeral);
    else await this.sub.unsubscribe(this.channels.ephemeral(channel));
  }

  async watchClient(clientId: string): Promise<void> {
    await this.sub.subscribe(this.channels.client(clientId));
  }

  async unwatchClient(clientId: string): Promise<void> {
    await this.sub.unsubscribe(this.channels.client(clientId));
  }

  status(): BusStatus {
    if (this.closed) return { kind: 'redis', ok: false, detail: 'closed' };
    if (this.isUp()) return { kind: 'redis', ok: true, detail: `${this.where}, prefix ${this.channels.prefix}` };
    const unannounced = this.unannounced > 0 ? `; ${this.unannounced} changes not announced (nodes read them from the log)` : '';
    return { kind: 'redis', ok: false, detail: `${this.where}: ${this.downDetail()}${unannounced}` };
  }

  /** Disconnects both connections; pending watches reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private isUp(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  private downDetail(): string {
    return `publisher ${this.pub.status}, subscriber ${this.sub.status}${this.lastError ? `; last error: ${this.lastError}` : ''}`;
  }

  /** Logs each loss (or a first connect that fails) and each recovery once, not per retry or per publish. */
  private noteState(): void {
    const ok = !this.closed && this.isUp();
    if (ok && !this.ok) {
      this.log?.info({ redis: this.where, unannounced: this.unannounced }, 'redis bus connected');
      this.unannounced = 0;
      this.lastError = undefined;
      this.warned = false;
    } else if (!ok && !this.closed && !this.warned && (this.ok || this.lastError !== undefined)) {
      this.warned = true;
      this.log?.warn(
        { redis: this.where, detail: this.downDetail() },
        'redis bus unavailable: ephemeral publishes fail, changes from other nodes arrive by log poll until it is back',
      );
    }
    this.ok = ok;
  }

  private onMessage(channel: string, text: string): void {
    if (channel === this.channels.changes) {
      this.lastPlain = undefined;
      this.decodeAndDeliver(() => ({ kind: 'change', change: this.wire.decodeChange(text) }), channel);
      return;
    }
    this.lastPlain = text;
    this.decodeAndDeliver(() => ({ kind: 'ephemeral', event: this.wire.decodeEphemeral(text) }), channel);
  }

  private onPatternMessage(channel: string, text: string): void {
    const duplicate = this.lastPlain === text;
    this.lastPlain = undefined;
    if (!duplicate) this.decodeAndDeliver(() => ({ kind: 'ephemeral', event: this.wire.decodeEphemeral(text) }), channel);
  }

  private decodeAndDeliver(decode: () => BusMessage, channel: string): void {
    let message: BusMessage;
    try {
      message = decode();
    } catch (err) {
      // Something else publishes on our prefix: drop it, loudly, rather than break delivery.
      this.log?.warn({ err, channel }, 'redis bus: undecodable message dropped');
      return;
    }
    // The live set: a handler removed during delivery gets no more of this message.
    for (const h of this.handlers) {
      try {
        h(message);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }
}

function whenReady(conn: Redis): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => conn.once('ready', () => resolve()));
}

/** `host:port` of a Redis URL, never its credentials (it is logged and shown in /healthz). */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis';
  }
}
