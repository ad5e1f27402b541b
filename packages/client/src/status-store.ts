import type { ConnectionQuality } from './connection-quality.js';
import type { TransportKind } from './options.js';
import type { ClientState } from './state-machine.js';

/**
 * The client's status in one immutable object, replaced whenever anything in it changes: hand
 * `client.status.subscribe` and `client.status.getSnapshot` to React's `useSyncExternalStore`.
 */
export interface ClientStatus {
  readonly state: ClientState;
  /** `state === 'connected'`. */
  readonly isConnected: boolean;
  /** `good` while connected with fast, answered pings; `poor` when slow, missed, or not connected. */
  readonly connectionQuality: ConnectionQuality;
  /** When the last message (other than a pong) arrived. */
  readonly lastUpdated: Date | null;
  /** Reconnect attempts since the last successful connection (0 while connected). */
  readonly reconnectAttempts: number;
  /** Transport in use (or being tried). */
  readonly transport: TransportKind | null;
  readonly clientId: string | undefined;
  readonly epoch: string | undefined;
  /** Last ping round trip (WebSocket only). */
  readonly rttMs: number | undefined;
}

/**
 * An external store of the client's status (the `useSyncExternalStore` contract): `getSnapshot()`
 * returns the same frozen object until `changed()` is called, and listeners hear of changes at
 * most once per microtask turn.
 */
export class StatusStore {
  private snapshot: ClientStatus | undefined;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;

  /** `read` builds the current status; it is called lazily, once per change. */
  constructor(private readonly read: () => ClientStatus) {}

  // getSnapshot and subscribe are arrow properties, bound to the store, so they can be passed as
  // they are to useSyncExternalStore.

  /** The current status; the same object until something changes. */
  readonly getSnapshot = (): ClientStatus => {
    this.snapshot ??= Object.freeze({ ...this.read() });
    return this.snapshot;
  };

  /** Calls `listener` after any change of `getSnapshot()`; returns the unsubscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Something in the status changed: drop the snapshot and notify (once per turn). */
  changed(): void {
    this.snapshot = undefined;
    if (this.notifyQueued || this.listeners.size === 0) return;
    this.notifyQueued = true;
    // One notification per turn: a batched frame of 128 events re-renders once.
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const fn of [...this.listeners]) fn();
    });
  }
}
