import type { ListParams, LiveRecord, RecordChangeData } from '@livehub/client';
import { DEFAULT_LIST_LIMIT, compareRecords, matchesWhere, parseOrder } from '@livehub/protocol/core';

/** What `useLiveQuery` keeps in the cache: one page of a list and the log position it is current at. */
export interface LiveList<T extends object = Record<string, unknown>> {
  items: LiveRecord<T>[];
  /** Present when more records follow this page (pass to `collection.list({ cursor })`). */
  nextCursor: string | undefined;
  /** Every change with a seq up to this one is in `items`. */
  seq: number;
  epoch: string;
}

/** The outcome of applying one change: the new value (the same object when nothing changed), or a request to refetch. */
export type Applied<V> = { value: V; refetch?: false } | { value: V; refetch: true };

/**
 * Whether `next` supersedes `current` for the same id. Versions only grow while a record lives; a
 * delete and re-create starts again at 1, so a create also wins when it is a different record
 * (another `createdAt`).
 */
export function supersedes(next: LiveRecord<object>, current: LiveRecord<object>, action: RecordChangeData['action']): boolean {
  if (next.version > current.version) return true;
  return action === 'created' && next.createdAt !== current.createdAt;
}

/**
 * Applies a record change to one cached page, respecting its filters and order. In place as long
 * as the page boundary is not involved; asks for a refetch when it is: a record entering or leaving
 * a page that has more pages after it, an insert that overflows the page (`limit`, else the hub's
 * default page size, {@link DEFAULT_LIST_LIMIT}), a record
 * arriving at the start of a later page (`cursor`), or an event without the record (`ids` payload
 * mode) that could enter the page.
 */
export function applyToList<T extends object>(
  list: LiveList<T>,
  change: RecordChangeData<T>,
  params: ListParams = {},
  /** Place the record whatever its version (optimistic writes and their rollback). */
  force = false,
): Applied<LiveList<T>> {
  const index = list.items.findIndex((r) => r.id === change.id);
  const current = index >= 0 ? list.items[index] : undefined;
  const hasMore = list.nextCursor !== undefined;

  if (change.action === 'deleted') {
    if (!current) return { value: list };
    const items = list.items.filter((_, i) => i !== index);
    return hasMore ? { value: { ...list, items }, refetch: true } : { value: { ...list, items } };
  }

  const record = change.record;
  if (!record) return { value: list, refetch: true };
  if (current && !force && !supersedes(record, current, change.action)) return { value: list };

  const rest = current ? list.items.filter((_, i) => i !== index) : list.items;
  if (!matchesWhere(record, params.where)) {
    // It left the filter: gone from this page (and a later page's first record may now belong here).
    if (!current) return { value: list };
    return hasMore ? { value: { ...list, items: rest }, refetch: true } : { value: { ...list, items: rest } };
  }

  const order = parseOrder(params.order);
  let at = rest.findIndex((r) => compareRecords(record, r, order) < 0);
  if (at < 0) at = rest.length;
  if (hasMore && at === rest.length) {
    // It sorts after this page's last record: it belongs to a later page.
    return current ? { value: { ...list, items: rest }, refetch: true } : { value: list };
  }
  if (params.cursor !== undefined && at === 0) {
    // A later page starts after its (opaque) cursor: whether the record falls before it, only the hub can say.
    return { value: current ? { ...list, items: rest } : list, refetch: true };
  }
  const items = [...rest.slice(0, at), record, ...rest.slice(at)];
  const next = { ...list, items };
  const limit = params.limit ?? DEFAULT_LIST_LIMIT;
  if (items.length > limit) {
    // The page overflows: which record moves to the next page, and the cursor after it, are the hub's to say.
    return { value: { ...next, items: items.slice(0, limit) }, refetch: true };
  }
  return { value: next };
}

/** Applies a record change to a cached single record (`null` = does not exist). */
export function applyToRecord<T extends object>(current: LiveRecord<T> | null, change: RecordChangeData<T>): Applied<LiveRecord<T> | null> {
  if (change.action === 'deleted') return { value: null };
  const record = change.record;
  if (!record) return { value: current, refetch: true };
  if (current && !supersedes(record, current, change.action)) return { value: current };
  return { value: record };
}
