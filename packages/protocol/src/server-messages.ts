import type { ErrorCode, FieldIssue } from './codes.js';
import type { RequestId } from './client-messages.js';
import type { LiveRecord, RecordChangeData } from './records.js';

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = 'livehub.v1';

/* ---------- server → client ---------- */

export interface WelcomeMessage {
  type: 'welcome';
  clientId: string;
  /** Names the change log; a different epoch than before means old positions are void. */
  epoch: string;
  /** Change-log head. */
  seq: number;
  heartbeatMs: number;
  server: string;
  protocol: number;
}

export interface AuthedMessage {
  type: 'authed';
  sub: string;
  exp?: number;
}

export interface SubscribedMessage<T extends object = Record<string, unknown>> {
  type: 'subscribed';
  id: RequestId;
  channel: string;
  /** Position of the stream: replayed events end here, live events follow after it. */
  seq: number;
  epoch: string;
  /** Number of replayed events that follow this message (before any live event). */
  replayed: number;
  /** Present when `snapshot: true` was asked: the channel's records exactly at `seq`. */
  snapshot?: LiveRecord<T>[];
  /** `since` was older than the log keeps or from another epoch: refetch state. */
  reset?: true;
}

export interface UnsubscribedMessage {
  type: 'unsubscribed';
  id: RequestId;
  channel: string;
}

export interface AckMessage {
  type: 'ack';
  id: RequestId;
}

export interface EventMessage<D = unknown> {
  type: 'event';
  channel: string;
  event: string;
  /** Present on durable (change-log) events only. */
  seq?: number;
  /** On the `*` channel: the channel the event belongs to (a collection for changes). */
  via?: string;
  timestamp: string;
  data: D;
}

export type RecordEventMessage<T extends object = Record<string, unknown>> = EventMessage<RecordChangeData<T>> & {
  seq: number;
};

export interface SyncResponseMessage {
  type: 'sync_response';
  id?: RequestId;
  /** Changes after `since`, in order; `channel` is the collection. */
  changes: RecordEventMessage[];
  /** Position after the last change returned (the log head when `more` is false). */
  seq: number;
  epoch: string;
  more: boolean;
  reset?: true;
}

export interface PongMessage {
  type: 'pong';
  id?: RequestId;
  ts?: number;
  serverTs: number;
}

export interface ErrorMessage {
  type: 'error';
  id?: RequestId;
  code: ErrorCode;
  message: string;
  details?: FieldIssue[];
  /** On transports without close codes (SSE): the stream ends after this message, as a WebSocket would close with this code. */
  closeCode?: number;
}

export type ServerMessage =
  WelcomeMessage | AuthedMessage | SubscribedMessage | UnsubscribedMessage | AckMessage | EventMessage | SyncResponseMessage | PongMessage | ErrorMessage;

/** A server frame is one message or a JSON array of messages (batched in one write). */
export function decodeServerFrame(text: string): ServerMessage[] {
  const parsed: unknown = JSON.parse(text);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((m): m is ServerMessage => typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string');
}
