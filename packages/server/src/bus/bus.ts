import type { Change } from '../store/store.js';

/** An event with no place in the change log: stream output, progress, presence-like pings. */
export interface EphemeralEvent {
  channel: string;
  event: string;
  /** The data, JSON-encoded once at publish: every subscriber's frame (and any bus wire) reuses the text. */
  dataJson: string;
  /** ISO-8601 time it was published. */
  timestamp: string;
  /** Deliver only to connections of this clientId (`sendTo`). */
  clientId?: string;
}

export type BusMessage = { kind: 'change'; change: Change } | { kind: 'ephemeral'; event: EphemeralEvent };

/**
 * Carries committed changes and ephemeral events from the write path to every hub (one per node).
 * Delivery may lose or reorder messages across nodes: hubs restore the change order from the log.
 * Every implementation passes the bus suite of `@livehub/conformance` (with two handles).
 */
export interface Bus {
  publish(message: BusMessage): Promise<void>;
  /** Registers a handler; returns a function that removes it. */
  subscribe(handler: (message: BusMessage) => void): Promise<() => void>;
  close(): Promise<void>;
}
