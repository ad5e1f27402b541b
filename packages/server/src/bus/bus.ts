import { ALL_CHANNEL } from '@livehub/protocol';
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

/** What `/healthz` reports as `bus`. */
export interface BusStatus {
  /** Which bus: `memory` (in-process), `redis`, … */
  kind: string;
  /** False while the bus cannot carry messages (its server unreachable, the handle closed). */
  ok: boolean;
  /** Why not, or what it is connected to. */
  detail?: string;
}

/** The channel name that watches every channel: the protocol's `*` tap, so a node holding a tap subscriber watches it like any channel. */
export const WATCH_ALL = ALL_CHANNEL;

/**
 * Carries committed changes and ephemeral events from the write path to every hub (one per node).
 * Delivery may lose or reorder messages across nodes: hubs restore the change order from the log.
 * Every implementation passes the bus suite of `@livehub/conformance` (with two handles).
 *
 * Interest: every change reaches every handle (each node's feed orders them). An ephemeral event
 * reaches a handle only while it watches the event's channel (or `WATCH_ALL`); a `sendTo` event
 * (one with `clientId`) only while it watches that clientId. So a busy channel costs only the
 * nodes that have subscribers for it. The hub watches on a channel's first subscriber and
 * unwatches on its last. Watching is a set, not a count: repeats are harmless.
 */
export interface Bus {
  /**
   * Resolves once the bus has the message (its server took it), so a publish that resolved reaches
   * each handle before any publish started after it; rejects when the bus cannot take it (its
   * server unreachable). A change the bus cannot carry may instead be dropped: it is durable, and
   * every node reads what it missed from the log.
   */
  publish(message: BusMessage): Promise<void>;
  /** Registers a handler; returns a function that removes it. */
  subscribe(handler: (message: BusMessage) => void): Promise<() => void>;
  /** Resolves once ephemeral events on `channel` published after it reach this handle. */
  watch(channel: string): Promise<void>;
  /**
   * True when `watch` takes effect before it returns (an in-process bus): a subscribe then need not
   * wait for it, and keeps its place among the frames that follow it.
   */
  readonly watchesAtOnce?: boolean;
  unwatch(channel: string): Promise<void>;
  /** Resolves once `sendTo(clientId)` events published after it reach this handle. */
  watchClient(clientId: string): Promise<void>;
  unwatchClient(clientId: string): Promise<void>;
  status(): BusStatus;
  close(): Promise<void>;
}

/** Whether a handle watching `channels` and `clients` gets an ephemeral event. */
export function wantsEphemeral(e: EphemeralEvent, channels: ReadonlySet<string>, clients: ReadonlySet<string>): boolean {
  if (e.clientId !== undefined) return clients.has(e.clientId);
  return channels.has(e.channel) || channels.has(WATCH_ALL);
}

/** A handler's error, rethrown outside the delivery loop: loud, yet the other handlers still get the message. */
export const rethrowLater = (err: unknown): void =>
  queueMicrotask(() => {
    throw err;
  });
