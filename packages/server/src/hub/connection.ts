import { CloseCode, type ServerMessage } from '@livehub/protocol';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth.js';
import type { Subscription } from './subscription.js';
import { Writer } from './writer.js';

export interface ConnectionInfo {
  connId: number;
  clientId: string;
  remote: string;
  userAgent: string | undefined;
}

/** One WebSocket peer: its writer, subscriptions and liveness. The hub owns the lifecycle. */
export class Connection {
  readonly writer: Writer;
  readonly subs = new Map<string, Subscription>();
  readonly connectedAt = Date.now();
  /** Set by any inbound frame or pong; cleared at each heartbeat. */
  alive = true;
  /** Bad frames since the last heartbeat. */
  badFrames = 0;
  received = 0;
  principal: Principal;
  closeReason: string | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly info: ConnectionInfo,
    principal: Principal,
    maxQueueBytes: number,
  ) {
    this.principal = principal;
    this.writer = new Writer(ws, maxQueueBytes, () => this.close(CloseCode.SlowConsumer, 'outbound queue over limit'));
  }

  get clientId(): string {
    return this.info.clientId;
  }

  /** Encodes and queues a reply that only this connection gets. */
  send(message: ServerMessage): void {
    this.writer.send(JSON.stringify(message));
  }

  closeSlow(why: string): void {
    this.close(CloseCode.SlowConsumer, why);
  }

  close(code: number, reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    // A slow consumer's backlog is dropped; anyone else gets what was already queued, then the close.
    if (code !== CloseCode.SlowConsumer) this.writer.flushNow();
    this.writer.close();
    for (const sub of this.subs.values()) sub.close();
    // Close reasons are limited to 123 bytes by RFC 6455.
    this.ws.close(code, reason.slice(0, 120));
  }
}
