import { changeScope, isDurableChannel, parseChannel, type ChangesResponse, type RecordEventMessage } from '@livehub/protocol';
import type { ReadScope } from '../authz/authorizer.js';
import { viewChange } from '../authz/change-view.js';
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

/**
 * Reads the log for `sync_request`, `GET /api/changes` and its long-poll. With a `scope` (the
 * requester's read rules) each change is shown as that reader sees it: a collection it may not
 * read is skipped, or refused when named in `channels`; under a record rule a change may enter,
 * leave or miss its view (change-view.ts).
 */
export async function readChanges(store: Store, visibility: Visibility, req: ChangesRequest, scope?: ReadScope): Promise<ChangesResult> {
  const filters = channelFilters(req.channels ?? []);
  if (scope) {
    for (const f of filters) {
      if (f.collection !== undefined && (await scope.access(f.collection)) === false)
        throw new HubError('forbidden', `Reading '${f.collection}' is not allowed`);
    }
  }
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
  const changes: RecordEventMessage[] = [];
  for (const c of picked) {
    const access = scope ? await scope.access(c.collection) : true;
    if (access === false) continue;
    const event = visibility.changeEventFor(c, c.collection, viewChange(c, access === true ? undefined : access));
    if (event) changes.push(event);
  }
  return { changes, seq: more && last ? last.seq : head, epoch, more };
}
