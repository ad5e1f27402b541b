import type { EphemeralEvent } from './bus.js';

/**
 * The Redis channels of one deployment, all under its key prefix, so deployments (and test runs)
 * on one Redis never see each other:
 *   `<prefix>:changes`          every committed change (every node subscribes)
 *   `<prefix>:e:<channel>`      ephemeral events of one livehub channel (nodes watching it)
 *   `<prefix>:c:<clientId>`     `sendTo` events for one clientId (nodes holding a session of it)
 * A node watching every channel (`*` tap) pattern-subscribes `<prefix>:e:*`.
 */
export class RedisChannels {
  readonly changes: string;
  /** PSUBSCRIBE pattern for every ephemeral channel; the prefix is glob-escaped. */
  readonly everyEphemeral: string;
  private readonly ephemeralPrefix: string;

  constructor(readonly prefix: string) {
    this.changes = `${prefix}:changes`;
    this.ephemeralPrefix = `${prefix}:e:`;
    this.everyEphemeral = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:e:*`;
  }

  ephemeral(channel: string): string {
    return this.ephemeralPrefix + channel;
  }

  client(clientId: string): string {
    return `${this.prefix}:c:${clientId}`;
  }

  /** Where an ephemeral event is published: its clientId's channel for `sendTo`, else its channel's. */
  route(e: EphemeralEvent): string {
    return e.clientId !== undefined ? this.client(e.clientId) : this.ephemeral(e.channel);
  }
}
