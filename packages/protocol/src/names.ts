/**
 * Grammar of collection names, record ids, channels and event names.
 * Channels use colons (`agent`, `agent:a1`, `workflow:run:456`), events use dots (`agent.updated`).
 */

export const COLLECTION_RE = /^[a-z][a-z0-9_-]{0,63}$/;
export const RECORD_ID_RE = /^[A-Za-z0-9_.~-]{1,128}$/;
const SEGMENT_RE = /^[A-Za-z0-9_.~-]{1,128}$/;
export const EVENT_RE = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;
export const MAX_CHANNEL_LENGTH = 256;
/** A client id (`x-client-id`, `?clientId=`, the client's `clientId` option). The hub replaces a missing or malformed one by a generated id. */
export const CLIENT_ID_RE = /^[A-Za-z0-9_.:~-]{1,128}$/;

export function isValidClientId(id: unknown): id is string {
  return typeof id === 'string' && CLIENT_ID_RE.test(id);
}

export const SYSTEM_CHANNEL = 'system';
/** Every event of the hub (durable and ephemeral, not `system`): for dashboards and audit taps. */
export const ALL_CHANNEL = '*';

export const RECORD_ACTIONS = ['created', 'updated', 'deleted'] as const;
export type RecordAction = (typeof RECORD_ACTIONS)[number];

/**
 * What a channel name means:
 * - `system`: server-wide announcements, every connection receives them.
 * - `all` (`*`): a tap on every change and every ephemeral event; events carry `via`, their channel.
 * - `collection`: `agent`, every change to the collection.
 * - `record`/ephemeral: `a:b[:c…]`. When `a` is a collection and `b` a record id, the channel also
 *   carries that record's changes; any channel of this form carries ephemeral publishes.
 */
export type ChannelInfo =
  | { kind: 'system'; name: string }
  | { kind: 'all'; name: string }
  | { kind: 'collection'; name: string; collection: string }
  | { kind: 'record'; name: string; collection: string; id: string }
  | { kind: 'ephemeral'; name: string };

/** Parses a channel name; returns undefined when it is not valid. */
export function parseChannel(name: unknown): ChannelInfo | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_CHANNEL_LENGTH) return undefined;
  if (name === SYSTEM_CHANNEL) return { kind: 'system', name };
  if (name === ALL_CHANNEL) return { kind: 'all', name };
  const parts = name.split(':');
  if (parts.length === 1) {
    return COLLECTION_RE.test(name) ? { kind: 'collection', name, collection: name } : undefined;
  }
  if (!parts.every((p) => SEGMENT_RE.test(p))) return undefined;
  const [first, second] = parts as [string, string];
  if (parts.length === 2 && COLLECTION_RE.test(first) && first !== SYSTEM_CHANNEL && RECORD_ID_RE.test(second)) {
    return { kind: 'record', name, collection: first, id: second };
  }
  return { kind: 'ephemeral', name };
}

/** The channels that carry durable (change-log) events, so they have history: replay, `since`, resets. */
export type DurableChannelInfo = Extract<ChannelInfo, { kind: 'collection' | 'record' | 'all' }>;

/**
 * True for the channels backed by the change log: a collection, a record, and the `*` tap. System
 * and ephemeral channels have no history: no replay, no reset, no `resync_required`.
 */
export function isDurableChannel(info: ChannelInfo): info is DurableChannelInfo {
  return info.kind === 'collection' || info.kind === 'record' || info.kind === 'all';
}

/** Which changes a durable channel carries: every change (`*`), one collection's, or one record's. */
export interface ChangeScope {
  collection?: string;
  id?: string;
}

export function changeScope(info: DurableChannelInfo): ChangeScope {
  if (info.kind === 'record') return { collection: info.collection, id: info.id };
  if (info.kind === 'collection') return { collection: info.collection };
  return {};
}

export function isValidEventName(name: unknown): name is string {
  return typeof name === 'string' && EVENT_RE.test(name);
}

/** `agent.updated` style name of a record event. */
export function recordEventName(collection: string, action: RecordAction): string {
  return `${collection}.${action}`;
}

/**
 * Record event names are reserved on the channels that carry that collection's change log, so an
 * ephemeral publish can never impersonate a durable change.
 */
export function isReservedEvent(channel: ChannelInfo, event: string): boolean {
  if (channel.kind !== 'collection' && channel.kind !== 'record') return false;
  const dot = event.lastIndexOf('.');
  if (dot < 0) return false;
  return event.slice(0, dot) === channel.collection && (RECORD_ACTIONS as readonly string[]).includes(event.slice(dot + 1));
}

/** The two channels a record change is delivered on. */
export function channelsForRecord(collection: string, id: string): [string, string] {
  return [collection, `${collection}:${id}`];
}
