import type { WelcomeMessage } from '@livehub/protocol/core';
import { livenessFor, type ConnectionQuality, type Liveness } from './connection-quality.js';
import type { ResolvedOptions } from './options.js';
import type { Transport } from './transports/transport.js';

/**
 * The watchdogs of the current connection, each calling `dead(reason)` when the connection is not
 * working although it has not closed: no `welcome` in time, pings unanswered, no `authed` for a
 * renewed token. One connection at a time; {@link stop} disarms everything.
 */
export class ConnectionWatch {
  private liveness: Liveness | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private authTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly hooks: {
      /** `t` is not working: close it and handle it as lost. */
      dead(t: Transport, closeReason: string, reason: string): void;
      /** Quality or RTT changed. */
      changed(): void;
    },
  ) {}

  get quality(): ConnectionQuality {
    return this.liveness?.quality ?? 'good';
  }
  get rttMs(): number | undefined {
    return this.liveness?.rttMs;
  }
  /** Hub clock minus local clock, from pongs (0 without). */
  get clockOffsetMs(): number {
    return this.liveness?.clockOffsetMs ?? 0;
  }

  /** `t` is opening: it must greet within `connectionTimeoutMs`. */
  opening(t: Transport): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(
      () => this.hooks.dead(t, 'connection timeout', `no welcome within ${this.o.connectionTimeoutMs} ms`),
      this.o.connectionTimeoutMs,
    );
  }

  /** `t` greeted: from now on its pings (or the hub's heartbeats) must keep coming. */
  welcomed(t: Transport, m: WelcomeMessage): void {
    clearTimeout(this.connectTimer);
    this.liveness?.stop();
    this.liveness = livenessFor(t, this.o, m.heartbeatMs, {
      sendPing: (id, ts) => void t.send({ type: 'ping', id, ts }),
      changed: () => this.hooks.changed(),
      dead: () => this.hooks.dead(t, 'no answer to pings', 'peer stopped answering'),
      now: () => Date.now(),
    });
    this.liveness?.start();
  }

  /** A renewed token went to `t` as `auth`: the hub answers `authed`, or closes 4401. */
  authSent(t: Transport): void {
    clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => {
      this.authTimer = undefined;
      this.hooks.dead(t, 'no authed', `no 'authed' within ${this.o.requestTimeoutMs} ms`);
    }, this.o.requestTimeoutMs);
  }

  authed(): void {
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  activity(): void {
    this.liveness?.activity();
  }

  pong(id: unknown, serverTs: number | undefined): void {
    this.liveness?.pong(id, serverTs);
  }

  /** Stops watching pings and `authed` (a transport switch keeps nothing of the old connection). */
  stopLiveness(): void {
    this.liveness?.stop();
    this.liveness = undefined;
  }

  stop(): void {
    clearTimeout(this.connectTimer);
    this.authed();
    this.stopLiveness();
  }
}
