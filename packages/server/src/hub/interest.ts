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
export class BusInterest implements InterestListener {
  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly closing: () => boolean,
  ) {}

  start(): void {
    this.track(this.bus.watch(SYSTEM_CHANNEL), 'channel', SYSTEM_CHANNEL);
  }

  channel(name: string, watched: boolean): void {
    if (name !== SYSTEM_CHANNEL) this.track(watched ? this.bus.watch(name) : this.bus.unwatch(name), 'channel', name);
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
