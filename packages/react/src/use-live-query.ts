import type { LivehubError, ListParams, LiveRecord } from '@livehub/client';
import { useQuery, useQueryClient, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import { useEffect } from 'react';
import { applyToList, type LiveList } from './apply-change.js';
import { useLivehubClient } from './context.js';
import { livehubKeys } from './keys.js';
import { liveLink } from './live-link.js';

/**
 * TanStack Query options a live query passes through (the key and query function are the hook's).
 * `TQueryFnData` is what the hook caches: `LiveList<T>` for useLiveQuery, `LiveRecord<T> | null` for useLiveRecord.
 */
export type LiveQueryOptions<TData, TQueryFnData = unknown> = Omit<
  UseQueryOptions<TQueryFnData, LivehubError, TData, readonly unknown[]>,
  'queryKey' | 'queryFn'
>;

/**
 * One page of a collection (`GET /api/c/:collection` with `params`), kept current by applying the
 * collection's change events to the cached page: no refetch per change. `data` is
 * `{ items, nextCursor, seq, epoch }`. See docs/react.md for exactly when it refetches.
 */
export function useLiveQuery<T extends object = Record<string, unknown>, TData = LiveList<T>>(
  collection: string,
  params: ListParams = {},
  options: LiveQueryOptions<TData, LiveList<T>> = {},
): UseQueryResult<TData, LivehubError> {
  const client = useLivehubClient();
  const queryClient = useQueryClient();
  const queryKey = livehubKeys.list(collection, params);
  const link = () =>
    liveLink<LiveList<T>>(client, queryClient, queryKey, () => ({
      collection,
      channel: collection,
      load: async () => {
        const page = await client.collection<T>(collection).list(params);
        return { value: { items: page.items, nextCursor: page.nextCursor, seq: page.seq, epoch: page.epoch }, seq: page.seq, epoch: page.epoch };
      },
      apply: (list, change, seq) => {
        const r = applyToList(list, change as never, params);
        // The page is current at this change now, whether or not the change touched it.
        return { ...r, value: { ...r.value, seq } };
      },
    }));
  const enabled = options.enabled !== false;
  const hash = JSON.stringify(queryKey);
  // Follow changes only while shown; retained before the query's own first fetch runs.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `hash` stands for collection and params by value; params is a new object each render
  useEffect(() => (enabled ? link().retain() : undefined), [client, queryClient, hash, enabled]);
  return useQuery<LiveList<T>, LivehubError, TData, readonly unknown[]>({
    // Kept current by events: time, focus and the browser's online flag say nothing about freshness here.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    ...options,
    queryKey,
    queryFn: ({ signal }) => link().fetch(signal),
  });
}

export type { LiveList, LiveRecord };
