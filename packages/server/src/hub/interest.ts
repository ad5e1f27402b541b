import type { Logger } from 'pino';
import { SYSTEM_CHANNEL } from '@livehub/protocol';
import type { Bus } from '../bus/bus.js';

/**
 * Told when this node gains its first or loses its last subscriber of a channel, or session of a
 * clientId: the hub turns these into bus watches, so ephemeral traffic reaches only nodes that need it.
 */
export interface InterestListener {
  channel(name: string, watched: boolean): void;
  client(clientId: string, watched: boolean): void;
}

/**
 * The node's interest as bus watches. `system` is watched from `start` to the bus's close, whatever
 * the sessions do: broadcasts reach every node. Watches run in the background (a bus that is down
 * completes them when back); a failure is only logged.
 */
/** Longest a subscribe waits for its channel's watch (a bus that is down answers when back). */
const MAX_WATCH_WAIT_MS = 2000;

export class BusInterest implements InterestListener {
  /** Channel watches the bus has not confirmed yet. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly closing: () => boolean,
  ) {}

  start(): void {
    this.track(this.bus.watch(SYSTEM_CHANNEL), 'channel', SYSTEM_CHANNEL);
  }

  channel(name: string, watched: boolean): void {
    if (name === SYSTEM_CHANNEL) return;
    if (!watched) {
      this.pending.delete(name);
      return this.track(this.bus.unwatch(name), 'channel', name);
    }
    const done = this.bus.watch(name);
    if (this.bus.watchesAtOnce) return this.track(done, 'channel', name);
    this.pending.set(name, done);
    const settle = () => {
      if (this.pending.get(name) === done) this.pending.delete(name);
    };
    done.then(settle, settle);
    this.track(done, 'channel', name);
  }

  /**
   * Resolves once the bus delivers `name`'s ephemeral events to this node (at once when it already
   * does), or after a bounded wait: a subscribe answers `subscribed` only then, so an event
   * published on another node right after it is not lost to a watch still in flight.
   */
  ready(name: string): Promise<void> | undefined {
    const p = this.pending.get(name);
    if (!p) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, MAX_WATCH_WAIT_MS)));
    return Promise.race([p.catch(() => undefined), cap]).finally(() => clearTimeout(timer));
  }

  client(clientId: string, watched: boolean): void {
    this.track(watched ? this.bus.watchClient(clientId) : this.bus.unwatchClient(clientId), 'clientId', clientId);
  }

  private track(done: Promise<void>, kind: 'channel' | 'clientId', name: string): void {
    done.catch((err: unknown) => {
      if (!this.closing()) this.log.warn({ err, [kind]: name }, 'bus watch failed');
    });
  }
}
