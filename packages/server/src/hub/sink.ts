/** One pre-encoded server message; `seq` is set on durable events (SSE writes it as the event id). */
export interface OutMessage {
  frame: string;
  seq?: number;
}

/**
 * Where a connection's messages go: a WebSocket, an SSE response. Transport adapters implement
 * it; the hub, the writer and subscriptions only ever see this. Every sink passes
 * the transport suite of `@livehub/conformance`.
 */
export interface Sink {
  /** Writes messages queued in one tick, in order; the sink decides how to frame them. */
  write(batch: readonly OutMessage[]): void;
  /** Bytes accepted but not yet sent: the writer adds it to its own backlog. */
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
  /** A liveness probe; the transport reports the answer through `onAlive`. */
  ping(): void;
  /** Ends the connection after what was written; `code` is a catalogue close code. */
  close(code: number, reason: string): void;
  /** Ends it at once (dead peer). */
  terminate(): void;
  /** Set by the hub: called on any sign of life (pong, inbound frame). */
  onAlive: () => void;
}
