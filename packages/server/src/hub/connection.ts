import { CloseCode, type ServerMessage } from '@livehub/protocol';
import type { Principal } from '../auth.js';
import type { Sink } from './sink.js';
import type { Subscription } from './subscription.js';
import { Writer } from './writer.js';

export type TransportKind = 'websocket' | 'sse';

export interface ConnectionInfo {
  connId: number;
  clientId: string;
  transport: TransportKind;
  remote: string;
  userAgent: string | undefined;
}

/** One peer on any transport: its writer, subscriptions, principal and liveness. The hub owns the lifecycle. */
export class Connection {
  readonly writer: Writer;
  readonly subs = new Map<string, Subscription>();
  readonly connectedAt = Date.now();
  /** Set by any sign of life; cleared at each heartbeat. */
  alive = true;
  /** Bad frames since the last heartbeat. */
  badFrames = 0;
  received = 0;
  principal: Principal;
  closeReason: string | undefined;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly sink: Sink,
    readonly info: ConnectionInfo,
    principal: Principal,
    maxQueueBytes: number,
  ) {
    this.principal = principal;
    this.writer = new Writer(sink, maxQueueBytes, () => this.close(CloseCode.SlowConsumer, 'outbound queue over limit'));
    sink.onAlive = () => (this.alive = true);
    this.armExpiry();
  }

  get clientId(): string {
    return this.info.clientId;
  }

  /** Replaces the principal (token refresh) and re-arms the expiry. */
  reauthenticate(principal: Principal): void {
    this.principal = principal;
    this.armExpiry();
  }

  /** A connection whose credentials expire unrefreshed is closed 4401: the client refreshes, then resumes. */
  private armExpiry(): void {
    clearTimeout(this.expiry);
    if (this.principal.exp === undefined) return;
    const ms = this.principal.exp * 1000 - Date.now();
    // setTimeout holds at most ~24.8 days: a later expiry is reached in steps.
    const step = Math.min(Math.max(0, ms), 2 ** 31 - 1);
    this.expiry = setTimeout(() => (step < ms ? this.armExpiry() : this.close(CloseCode.Unauthenticated, 'token expired')), step);
    this.expiry.unref();
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
    clearTimeout(this.expiry);
    // A slow consumer's backlog is dropped; anyone else gets what was already queued, then the close.
    if (code !== CloseCode.SlowConsumer) this.writer.flushNow();
    this.writer.close();
    for (const sub of this.subs.values()) sub.close();
    this.sink.close(code, reason);
  }

  /** Called once the transport is gone. */
  dispose(): void {
    clearTimeout(this.expiry);
    this.writer.close();
  }
}
