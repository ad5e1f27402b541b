import type { EventMessage, ServerMessage } from '@livehub/protocol/core';
import type { LivehubError } from './errors.js';
import type { TransportKind } from './options.js';
import type { ClientState, StateChange } from './state-machine.js';

/** A retry has been planned. */
export interface ReconnectInfo {
  attempt: number;
  delayMs: number;
  /** Close code of the connection (or attempt) that ended. */
  code: number;
  reason: string;
}

/** What `client.on(event, fn)` reports. */
export interface ClientEvents {
  state: StateChange<ClientState>;
  /** A retry is planned after `delayMs`. */
  reconnect: ReconnectInfo;
  /** The transport in use changed (fallback, or back to the preferred one after a probe). */
  transport: { from: TransportKind | null; to: TransportKind };
  /** Events on channels this client has no Subscription for: `system` broadcasts and `sendTo`. */
  event: EventMessage;
  /** Errors not tied to a request or a subscription, and the reason of a final close. */
  error: LivehubError;
  /** Every server message, before the client acts on it (debugging). */
  message: ServerMessage;
}
