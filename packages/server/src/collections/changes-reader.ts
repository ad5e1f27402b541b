import { changeScope, isDurableChannel, parseChannel, type ChangesResponse } from '@livehub/protocol';
import { HubError } from '../errors.js';
import type { Change, ChangeFilter, Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';

export interface ChangesRequest {
  /**
   * After this change-log position, or, as an ISO-8601 timestamp with a zone: the changes
   * committed at or after that instant (inclusive, because stamps have millisecond precision and
   * a repeated change is harmless where a missed one is not).
   */
  since: number | string;
  epoch?: string;
  /** Collection or record channels; empty means every change. */
  channels?: string[];
  limit: number;
}

/** The `/api/changes` body and the `sync_response` fields. */
export type ChangesResult = ChangesResponse;

function toFilter(channel: string): ChangeFilter {
  // Channels that carry no durable changes are refused: a long-poll on them would never return data.
  const info = parseChannel(channel);
  if (!info) throw new HubError('invalid_channel', `Invalid channel '${channel}'`);
  if (isDurableChannel(info)) return changeScope(info);
  throw new HubError('invalid_channel', `'${channel}' carries no durable changes`);
}

/** Change filters of a list of collection/record channels (HubError on any other channel). */
export function channelFilters(channels: readonly string[]): ChangeFilter[] {
  return channels.map(toFilter);
}

export function matches(c: Change, f: ChangeFilter): boolean {
  return (f.collection === undefined || f.collection === c.collection) && (f.id === undefined || f.id === c.id);
}

/** Reads the change log after a position (or from an instant), for `sync_request`, `GET /api/changes` and fallbacks. */
/** The position a `since` names: a seq as is, an instant through the store (undefined: reset). */
async function startPosition(store: Store, since: number | string): Promise<number | undefined> {
  if (typeof since === 'number') return since;
  const instant = new Date(since);
  if (Number.isNaN(instant.getTime())) {
    throw new HubError('bad_request', `since must be a change-log seq or an ISO-8601 timestamp with a zone, not '${since.slice(0, 64)}'`);
  }
  return store.positionAt(instant);
}

export async function readChanges(store: Store, visibility: Visibility, req: ChangesRequest): Promise<ChangesResult> {
  const filters = channelFilters(req.channels ?? []);
  const since = await startPosition(store, req.since);
  const { floor, head } = await store.bounds();
  const epoch = store.epoch;
  if ((req.epoch !== undefined && req.epoch !== epoch) || since === undefined || since < floor || since > head) {
    return { changes: [], seq: head, epoch, more: false, reset: true };
  }
  // One channel uses its index; several are read from the whole log and filtered here.
  const single = filters.length === 1 ? filters[0] : filters.length === 0 ? {} : undefined;
  const page = await store.changesSince(since, single ?? {}, req.limit, head);
  const picked = single ? page : page.filter((c) => filters.some((f) => matches(c, f)));
  const more = page.length === req.limit;
  const last = page[page.length - 1];
  const changes = picked.map((c) => visibility.changeEvent(c, c.collection));
  return { changes, seq: more && last ? last.seq : head, epoch, more };
}
