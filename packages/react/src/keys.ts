import type { ListParams } from '@livehub/client';

/**
 * Query keys of the live hooks, so apps can read, prefetch or invalidate them with TanStack Query's
 * own API: `queryClient.invalidateQueries({ queryKey: livehubKeys.collection('agent') })`.
 */
export const livehubKeys = {
  /** Every livehub query. */
  all: ['livehub'] as const,
  /** Every list and record query of one collection. */
  collection: (collection: string) => ['livehub', collection] as const,
  /** One `useLiveQuery(collection, params)`. */
  list: (collection: string, params: ListParams = {}) => ['livehub', collection, 'list', params] as const,
  /** One `useLiveRecord(collection, id)`. */
  record: (collection: string, id: string) => ['livehub', collection, 'record', id] as const,
};
