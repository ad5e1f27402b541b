import { randomBytes } from 'node:crypto';
import type { Change } from '../store/store.js';
import type { EphemeralEvent } from './bus.js';

interface EphemeralHead {
  channel: string;
  event: string;
  timestamp: string;
  clientId?: string;
  /** Unique per publish (handle nonce + counter): tells a pattern copy of a message from another publish of equal content. */
  n: string;
}

/**
 * What a bus between nodes (Redis, NATS) carries. Changes are JSON; an ephemeral event is a JSON
 * head, a newline, and its `dataJson` as published (never re-encoded).
 */
export class BusWire {
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
    return this.decodeEphemeralWithId(text).event;
  }

  /** The event and its publish's unique id (for a bus that must tell two copies of one publish from two publishes). */
  decodeEphemeralWithId(text: string): { event: EphemeralEvent; id: string } {
    const cut = text.indexOf('\n');
    if (cut < 0) throw new Error('bus: an ephemeral message without its data line');
    const head = JSON.parse(text.slice(0, cut)) as EphemeralHead;
    const event: EphemeralEvent = { channel: head.channel, event: head.event, dataJson: text.slice(cut + 1), timestamp: head.timestamp };
    if (head.clientId !== undefined) event.clientId = head.clientId;
    return { event, id: head.n };
  }
}
