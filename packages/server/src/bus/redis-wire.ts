import { randomBytes } from 'node:crypto';
import type { Change } from '../store/store.js';
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

interface EphemeralHead {
  channel: string;
  event: string;
  timestamp: string;
  clientId?: string;
  /** Unique per publish (handle nonce + counter): tells a pattern copy of a message from another publish of equal content. */
  n: string;
}

/** Encodes what goes on the wire. Changes are JSON; an ephemeral event is a JSON head, a newline, and its `dataJson` as published (never re-encoded). */
export class RedisWire {
  private readonly nonce = randomBytes(6).toString('base64url');
  private counter = 0;

  encodeChange(change: Change): string {
    return JSON.stringify(change);
  }

  decodeChange(text: string): Change {
    return JSON.parse(text) as Change;
  }

  encodeEphemeral(e: EphemeralEvent): string {
    const head: EphemeralHead = { channel: e.channel, event: e.event, timestamp: e.timestamp, n: `${this.nonce}.${++this.counter}` };
    if (e.clientId !== undefined) head.clientId = e.clientId;
    // JSON.stringify escapes newlines inside strings: the first newline ends the head.
    return `${JSON.stringify(head)}\n${e.dataJson}`;
  }

  decodeEphemeral(text: string): EphemeralEvent {
    const cut = text.indexOf('\n');
    if (cut < 0) throw new Error('Redis bus: an ephemeral message without its data line');
    const head = JSON.parse(text.slice(0, cut)) as EphemeralHead;
    const event: EphemeralEvent = { channel: head.channel, event: head.event, dataJson: text.slice(cut + 1), timestamp: head.timestamp };
    if (head.clientId !== undefined) event.clientId = head.clientId;
    return event;
  }
}
