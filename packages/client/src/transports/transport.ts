import { CloseCode, type ClientMessage, type RequestId, type ServerMessage } from '@livehub/protocol/core';
import type { LivehubError } from '../errors.js';
import type { ResolvedOptions, TransportKind } from '../options.js';
import type { HttpDeps } from '../rest.js';

export type { TransportKind };

/** One channel the hub must deliver, from a position. Same fields as a `subscribe` message. */
export interface ChannelRequest {
  id: RequestId;
  channel: string;
  since?: number;
  epoch?: string;
  snapshot?: boolean;
}

/**
 * How a connection ended. Fallback transports use WebSocket close codes too (HTTP 401 → 4401,
 * a final `error` with `closeCode` → that code, a broken stream → 1006), so the client has one
 * close-code policy for all three.
 */
export interface CloseInfo {
  code: number;
  reason: string;
  /**
   * Something answered, but not as a hub would (a proxy's 403 to the upgrade, a 502 page instead
   * of an event stream): this transport is blocked on the way, try the next one at once.
   */
  blocked?: boolean;
  /**
   * What went wrong, when the transport can tell more than a close code (a fetch the browser
   * refused cross-origin, a proxy's page where the hub's answer should be). When a whole round of
   * attempts fails, the client emits the last such error as its `error` event.
   */
  error?: LivehubError;
}

/** Local close code for a connection the client gave up on (timeout, dead peer, stream error). */
export const ABNORMAL_CLOSE = CloseCode.Abnormal;

/** The client side of a transport: where messages go. */
export interface TransportHost {
  /** Every server message, in order, batches already split. */
  message(m: ServerMessage): void;
  /** Any sign of life: frames, SSE heartbeat comments, poll answers. */
  activity(): void;
  /** The connection ended without `close()` being called. Called at most once. */
  closed(info: CloseInfo): void;
  /**
   * The current resume position of a channel (SSE and long-poll re-read it whenever they reopen),
   * or undefined once the channel has no subscription.
   */
  position(channel: string): { since?: number; epoch?: string } | undefined;
}

/** Everything a transport needs to reach the hub. */
export interface TransportContext {
  options: ResolvedOptions;
  http: HttpDeps;
  clientId(): string | undefined;
  /** The token to connect with (already fetched). */
  token(): string | undefined;
}

/**
 * A connection to the hub. All three kinds deliver the same messages (`welcome`, `subscribed`,
 * `event` with `seq`, `error`); what differs is how requests travel.
 */
export interface Transport {
  readonly kind: TransportKind;
  /** True when `send` works: ping, publish with ack and `auth` go over the connection itself. */
  readonly duplex: boolean;
  /** Starts connecting; the first message delivered is `welcome`. */
  open(): void;
  /** Adds or replaces a channel. May be called before `welcome`: the transport orders it. */
  subscribe(req: ChannelRequest): void;
  /** Drops a channel; the transport answers with `unsubscribed` (or `error`) for `id`. */
  unsubscribe(channel: string, id: RequestId): void;
  /** Sends a message on a duplex transport; false when it cannot (not open, or not duplex). */
  send(msg: ClientMessage): boolean;
  /** A fresh token: WebSocket sends `auth`; SSE reopens its stream with it; long-poll uses it from the next poll. */
  updateToken(token: string): void;
  /** Ends the connection; no host callback follows. */
  close(code?: number, reason?: string): void;
}
