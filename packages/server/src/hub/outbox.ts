/**
 * What a subscription writes through: its session's writer and its slow-consumer exit. A small
 * interface so a subscription never imports the session that owns it.
 */
export interface Outbox {
  /** Queues a pre-encoded message; `seq` is set on durable events. */
  send(frame: string, seq?: number): void;
  /** The subscriber cannot keep up: its session is closed as a slow consumer. */
  overflow(why: string): void;
}
