import { connect, Events, type NatsConnection, type Status, type Subscription } from 'nats';
import type { Logger } from 'pino';
import { WATCH_ALL, type Bus, type BusMessage, type BusStatus, rethrowLater } from './bus.js';
import { BusWire } from './bus-wire.js';

export interface NatsBusOptions {
  /** `nats://host:4222` (or several, for a cluster). */
  servers: string | string[];
  /** First subject token(s) of everything this bus sends; nodes of one deployment share it. Default `livehub`. */
  keyPrefix?: string;
  /** Where connection losses and recoveries are logged. Default: nowhere. */
  log?: Logger;
  /** Where a throwing handler's error goes. Default: rethrown in a microtask (loud). */
  onHandlerError?: (err: unknown) => void;
  /** How long `subscribe` (the hub's start) waits for a first connection before the node starts degraded (ms). Default 2000. */
  startWaitMs?: number;
}

/** One subject token per name: `.`, `*`, `>`, `%` and whitespace (which NATS gives meaning to or refuses) are %-escaped. */
const token = (name: string): string => name.replace(/[.*>%\s]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const statusData = (s: Status): string => (typeof s.data === 'string' ? s.data : JSON.stringify(s.data));

/** Ids of recent ephemeral publishes, to drop the second copy NATS sends a connection holding two matching subscriptions. */
const RECENT_IDS = 4096;

/**
 * A bus over core NATS (no JetStream: the log is the durable part), with the same subjects as the
 * Redis bus's channels: `<prefix>.changes` (every node), `<prefix>.e.<channel>` (nodes watching the
 * channel; `<prefix>.e.>` for `*`), `<prefix>.c.<clientId>` (nodes holding the clientId). One
 * connection publishes and subscribes; nats.js reconnects forever and re-subscribes. While it is
 * away, ephemeral publishes fail and changes are skipped (nodes read them from the log).
 */
export class NatsBus implements Bus {
  private readonly connecting: Promise<NatsConnection>;
  private readonly started: Promise<unknown>;
  private nc: NatsConnection | undefined;
  private readonly prefix: string;
  private readonly wire = new BusWire();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private readonly handlers = new Set<(m: BusMessage) => void>();
  private readonly subs = new Map<string, { sub: Subscription; ready: Promise<void> }>();
  /** What the last watch or unwatch of each subject asked for: an unwatch while the first connection is pending wins over the watch before it. */
  private readonly wanted = new Set<string>();
  private readonly recent = new Set<string>();
  private readonly onHandlerError: (err: unknown) => void;
  private readonly log: Logger | undefined;
  private connected = false;
  private closed = false;
  private lastError: string | undefined;
  private unannounced = 0;

  constructor(options: NatsBusOptions) {
    this.prefix = options.keyPrefix ?? 'livehub';
    this.onHandlerError = options.onHandlerError ?? rethrowLater;
    this.log = options.log;
    this.connecting = connect({
      servers: options.servers,
      name: `${this.prefix}-bus`,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    });
    this.connecting.then(
      (nc) => this.onConnected(nc),
      (err: unknown) => (this.lastError = err instanceof Error ? err.message : String(err)),
    );
    let timer: NodeJS.Timeout | undefined;
    this.started = Promise.race([
      this.connecting.then(() => this.watchSubject(`${this.prefix}.changes`)),
      new Promise((resolve) => (timer = setTimeout(resolve, options.startWaitMs ?? 2000))),
    ])
      .catch(() => undefined)
      .finally(() => clearTimeout(timer));
  }

  async publish(message: BusMessage): Promise<void> {
    if (this.closed) throw new Error('NATS bus: publish on a closed bus');
    const nc = this.connected ? this.nc : undefined;
    if (message.kind === 'change') {
      // Already durable: while NATS is away, nodes learn of it from the log poll.
      if (!nc) return void this.unannounced++;
      nc.publish(`${this.prefix}.changes`, this.encoder.encode(this.wire.encodeChange(message.change)));
      // Resolved once the server has it, as with Redis: a publish that resolved is ordered before any started after it.
      return nc.flush();
    }
    if (!nc) throw new Error(`NATS bus unavailable (${this.lastError ?? 'not connected'})`);
    const e = message.event;
    const subject = e.clientId !== undefined ? `${this.prefix}.c.${token(e.clientId)}` : `${this.prefix}.e.${token(e.channel)}`;
    nc.publish(subject, this.encoder.encode(this.wire.encodeEphemeral(e)));
    return nc.flush();
  }

  async subscribe(handler: (m: BusMessage) => void): Promise<() => void> {
    if (this.closed) throw new Error('NATS bus: subscribe on a closed bus');
    await this.started;
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  watch(channel: string): Promise<void> {
    return this.watchSubject(channel === WATCH_ALL ? `${this.prefix}.e.>` : `${this.prefix}.e.${token(channel)}`);
  }

  unwatch(channel: string): Promise<void> {
    return this.unwatchSubject(channel === WATCH_ALL ? `${this.prefix}.e.>` : `${this.prefix}.e.${token(channel)}`);
  }

  watchClient(clientId: string): Promise<void> {
    return this.watchSubject(`${this.prefix}.c.${token(clientId)}`);
  }

  unwatchClient(clientId: string): Promise<void> {
    return this.unwatchSubject(`${this.prefix}.c.${token(clientId)}`);
  }

  status(): BusStatus {
    if (this.closed) return { kind: 'nats', ok: false, detail: 'closed' };
    if (this.connected) return { kind: 'nats', ok: true, detail: `${this.nc?.getServer() ?? ''}, prefix ${this.prefix}` };
    const unannounced = this.unannounced > 0 ? `; ${this.unannounced} changes not announced (nodes read them from the log)` : '';
    return { kind: 'nats', ok: false, detail: `${this.lastError ?? 'not connected'}${unannounced}` };
  }

  /** Closes the connection (a first connection still being attempted is closed once made). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.handlers.clear();
    await this.nc?.close();
  }

  /** Resolves once the server has the subscription (a flush round trip), so later publishes from anywhere reach it. */
  private async watchSubject(subject: string): Promise<void> {
    this.wanted.add(subject);
    const held = this.subs.get(subject);
    if (held) return held.ready;
    const nc = await this.connecting;
    if (this.closed) throw new Error('NATS bus: watch on a closed bus');
    const again = this.subs.get(subject);
    if (again) return again.ready;
    if (!this.wanted.has(subject)) return;
    const sub = nc.subscribe(subject, { callback: (err, msg) => (err ? (this.lastError = err.message) : this.onMessage(msg.subject, msg.data)) });
    const ready = nc.flush();
    this.subs.set(subject, { sub, ready });
    return ready;
  }

  private async unwatchSubject(subject: string): Promise<void> {
    this.wanted.delete(subject);
    const held = this.subs.get(subject);
    if (!held) return;
    this.subs.delete(subject);
    held.sub.unsubscribe();
    await this.nc?.flush();
  }

  private onConnected(nc: NatsConnection): void {
    this.nc = nc;
    if (this.closed) return void nc.close();
    this.connected = true;
    this.log?.info({ nats: nc.getServer() }, 'nats bus connected');
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Disconnect) {
          this.connected = false;
          this.log?.warn(
            { nats: statusData(s) },
            'nats bus unavailable: ephemeral publishes fail, changes from other nodes arrive by log poll until it is back',
          );
        } else if (s.type === Events.Reconnect) {
          this.connected = true;
          this.unannounced = 0;
          this.log?.info({ nats: statusData(s) }, 'nats bus connected');
        } else if (s.type === Events.Error) {
          this.lastError = statusData(s);
        }
      }
    })();
  }

  private onMessage(subject: string, data: Uint8Array): void {
    const text = this.decoder.decode(data);
    let message: BusMessage;
    try {
      if (subject === `${this.prefix}.changes`) {
        message = { kind: 'change', change: this.wire.decodeChange(text) };
      } else {
        const { event, id } = this.wire.decodeEphemeralWithId(text);
        // Watching a channel by name and through `>`: NATS delivers one copy per subscription.
        if (this.recent.has(id)) return;
        this.recent.add(id);
        if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
        message = { kind: 'ephemeral', event };
      }
    } catch (err) {
      this.log?.warn({ err, subject }, 'nats bus: undecodable message dropped');
      return;
    }
    for (const h of this.handlers) {
      try {
        h(message);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }
}
