/** Seed 003's indicator: `good` while pings come back fast, `poor` when slow, missed or disconnected. */
export type ConnectionQuality = 'good' | 'poor';

export interface LivenessOptions {
  /** How often to probe: send a `ping` (duplex transports) or expect a server heartbeat (SSE). */
  intervalMs: number;
  /** A ping not answered within this is missed. */
  pongTimeoutMs: number;
  /** A round trip slower than this makes the quality `poor`. */
  poorRttMs: number;
  /** Consecutive missed pings, with no other inbound traffic meanwhile, after which the connection is dead. */
  deadAfterMissed: number;
}

export interface LivenessHooks {
  /** Sends an application-level ping; `id` comes back in the pong. */
  sendPing(id: string, ts: number): void;
  /** Quality or RTT changed. */
  changed(): void;
  /** The peer is gone: close and reconnect. */
  dead(): void;
  now(): number;
}

/**
 * Connection health from application-level pings. Browsers hide WebSocket control frames, so the
 * hub's own pings prove nothing to the page; a JSON ping/pong measures the RTT the app sees
 * (including the hub's outbound queue) and detects half-open sockets that never deliver a close.
 * In `passive` mode (SSE: the hub sends `: ping` comments) silence is measured instead.
 */
export class Liveness {
  private timer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private outstanding: { id: string; sentAt: number; activity: number } | undefined;
  private nextId = 1;
  private missedInARow = 0;
  private lastActivity = 0;
  private activityCount = 0;
  private lastRtt: number | undefined;
  private lastMissed = false;
  /** Hub clock minus local clock, estimated from pong `serverTs` (0 until the first pong). */
  clockOffsetMs = 0;

  constructor(
    private readonly mode: 'ping' | 'passive',
    private readonly opts: LivenessOptions,
    private readonly hooks: LivenessHooks,
  ) {}

  get rttMs(): number | undefined {
    return this.lastRtt;
  }

  get quality(): ConnectionQuality {
    if (this.lastMissed) return 'poor';
    return this.lastRtt !== undefined && this.lastRtt > this.opts.poorRttMs ? 'poor' : 'good';
  }

  start(): void {
    this.stop();
    this.lastActivity = this.hooks.now();
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.pongTimer);
    this.timer = undefined;
    this.pongTimer = undefined;
    this.outstanding = undefined;
  }

  /** Any inbound frame, message or heartbeat comment. */
  activity(): void {
    this.lastActivity = this.hooks.now();
    this.activityCount++;
    if (this.mode === 'passive' && this.lastMissed) {
      this.lastMissed = false;
      this.missedInARow = 0;
      this.hooks.changed();
    }
  }

  /** A `pong`; ids that are not ours (or late) are ignored. */
  pong(id: unknown, serverTs: number | undefined): void {
    const o = this.outstanding;
    if (!o || id !== o.id) return;
    this.outstanding = undefined;
    clearTimeout(this.pongTimer);
    const now = this.hooks.now();
    const rtt = now - o.sentAt;
    if (serverTs !== undefined) this.clockOffsetMs = serverTs - (o.sentAt + rtt / 2);
    this.lastRtt = rtt;
    this.lastMissed = false;
    this.missedInARow = 0;
    this.hooks.changed();
  }

  private tick(): void {
    if (this.mode === 'passive') return this.checkSilence();
    if (this.outstanding) return; // the pong timer decides about it
    // String ids never collide with the client's numeric request ids.
    const id = `lh-ping-${this.nextId++}`;
    const sentAt = this.hooks.now();
    this.outstanding = { id, sentAt, activity: this.activityCount };
    this.hooks.sendPing(id, sentAt);
    this.pongTimer = setTimeout(() => this.missed(), this.opts.pongTimeoutMs);
  }

  private missed(): void {
    const o = this.outstanding;
    this.outstanding = undefined;
    this.lastMissed = true;
    // A pong stuck behind a long replay is slow, not dead: traffic meanwhile proves the peer is alive.
    const trafficMeanwhile = o !== undefined && this.activityCount > o.activity;
    this.missedInARow = trafficMeanwhile ? 0 : this.missedInARow + 1;
    this.hooks.changed();
    if (this.missedInARow >= this.opts.deadAfterMissed) this.hooks.dead();
  }

  private checkSilence(): void {
    const silent = this.hooks.now() - this.lastActivity;
    if (silent > this.opts.pongTimeoutMs + this.opts.intervalMs && !this.lastMissed) {
      this.lastMissed = true;
      this.hooks.changed();
    }
    if (silent > this.opts.intervalMs * this.opts.deadAfterMissed + this.opts.pongTimeoutMs) this.hooks.dead();
  }
}

/** The liveness check a transport gets, or undefined when it has none. */
export function livenessFor(
  t: { readonly duplex: boolean; readonly kind: string },
  o: { heartbeatMs: number; pongTimeoutMs: number; poorRttMs: number },
  /** The hub's heartbeat interval (from `welcome`). */
  hubHeartbeatMs: number,
  hooks: LivenessHooks,
): Liveness | undefined {
  const opts = { pongTimeoutMs: o.pongTimeoutMs, poorRttMs: o.poorRttMs, deadAfterMissed: 2 };
  if (t.duplex && o.heartbeatMs > 0) return new Liveness('ping', { intervalMs: o.heartbeatMs, ...opts }, hooks);
  // The hub writes a `: ping` comment every heartbeat; silence means a dead stream.
  if (t.kind === 'sse' && hubHeartbeatMs > 0) return new Liveness('passive', { intervalMs: hubHeartbeatMs, ...opts }, hooks);
  return undefined;
}
