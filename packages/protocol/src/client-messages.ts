/**
 * zod decoders of client → server messages: the hub validates every frame with these. Kept apart
 * from the types so that clients (`@livehub/protocol/core`) do not ship zod.
 */
import { z } from 'zod';

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
const sinceError = 'since must be a change-log seq (integer ≥ 0) or an ISO-8601 timestamp with a zone, e.g. 2026-01-31T09:30:00Z';
/** An instant as ISO-8601 with a zone (`Z` or `±hh:mm`): without one it would mean a different instant per machine. */
const isoInstant = z.iso.datetime({ offset: true, error: sinceError });
export const SyncRequestMessage = z.object({
  type: z.literal('sync_request'),
  id: requestId.optional(),
  /** After this change-log position, or: the changes committed at or after this instant. */
  since: z.union([seq, isoInstant], { error: sinceError }),
  epoch: z.string().max(128).optional(),
  limit: z.number().int().min(1).max(10000).optional(),
});
export const PingMessage = z.object({
  type: z.literal('ping'),
  id: requestId.optional(),
  ts: z.number().optional(),
});

export const ClientMessage = z.discriminatedUnion('type', [AuthMessage, SubscribeMessage, UnsubscribeMessage, PublishMessage, SyncRequestMessage, PingMessage]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type SubscribeMessage = z.infer<typeof SubscribeMessage>;
export type PublishMessage = z.infer<typeof PublishMessage>;
export type SyncRequestMessage = z.infer<typeof SyncRequestMessage>;
export type AuthMessage = z.infer<typeof AuthMessage>;
export type UnsubscribeMessage = z.infer<typeof UnsubscribeMessage>;
export type PingMessage = z.infer<typeof PingMessage>;
export const CLIENT_MESSAGE_TYPES: readonly string[] = ClientMessage.options.map((o) => o.shape.type.value);

export type RequestId = z.infer<typeof requestId>;
