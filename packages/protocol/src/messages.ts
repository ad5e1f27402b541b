import { z } from 'zod';
import type { ErrorCode, FieldIssue } from './codes.js';
import type { RecordChangeData, LiveRecord } from './records.js';

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = 'livehub.v1';

const requestId = z.union([z.string().max(128), z.number().int().safe()]);
const seq = z.number().int().min(0).safe();

/* ---------- client → server ---------- */

export const AuthMessage = z.object({ type: z.literal('auth'), token: z.string().min(1).max(16384) });
export const SubscribeMessage = z.object({
  type: z.literal('subscribe'),
  id: requestId,
  channel: z.string(),
  /** Resume after this change-log position. */
  since: seq.optional(),
  /** The epoch `since` belongs to; a different epoch than the hub's gives `reset`. */
  epoch: z.string().max(128).optional(),
  /** Ask for the channel's records, consistent with the live stream that follows. */
  snapshot: z.boolean().optional(),
});
export const UnsubscribeMessage = z.object({ type: z.literal('unsubscribe'), id: requestId, channel: z.string() });
export const PublishMessage = z.object({
  type: z.literal('publish'),
  id: requestId.optional(),
  channel: z.string(),
  event: z.string(),
  /** Any JSON; absent means null. */
  data: z.unknown().optional(),
});
export const SyncRequestMessage = z.object({
  type: z.literal('sync_request'),
  id: requestId.optional(),
  since: seq,
  epoch: z.string().max(128).optional(),
  limit: z.number().int().min(1).max(10000).optional(),
});
export const PingMessage = z.object({
  type: z.literal('ping'),
  id: requestId.optional(),
  ts: z.number().optional(),
});

export const ClientMessage = z.discriminatedUnion('type', [
  AuthMessage,
  SubscribeMessage,
  UnsubscribeMessage,
  PublishMessage,
  SyncRequestMessage,
  PingMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type SubscribeMessage = z.infer<typeof SubscribeMessage>;
export type PublishMessage = z.infer<typeof PublishMessage>;
export type SyncRequestMessage = z.infer<typeof SyncRequestMessage>;
export const CLIENT_MESSAGE_TYPES: readonly string[] = ClientMessage.options.map((o) => o.shape.type.value);

export type RequestId = z.infer<typeof requestId>;

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
  | WelcomeMessage
  | AuthedMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | AckMessage
  | EventMessage
  | SyncResponseMessage
  | PongMessage
  | ErrorMessage;

/** A server frame is one message or a JSON array of messages (batched in one write). */
export function decodeServerFrame(text: string): ServerMessage[] {
  const parsed: unknown = JSON.parse(text);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((m): m is ServerMessage => typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string');
}
