import type { LivehubError, LiveRecord } from '@livehub/client';
import { useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import { applyToRecord } from './apply-change.js';
import { useLivehubClient } from './context.js';
import { livehubKeys } from './keys.js';
import { liveLink } from './live-link.js';
import type { LiveQueryOptions } from './use-live-query.js';

/**
 * One record, kept current from its record channel (`<collection>:<id>`); `data` is `null` while
 * the record does not exist (not found, or deleted), and fills in when it is created.
 */
export function useLiveRecord<T extends object = Record<string, unknown>, TData = LiveRecord<T> | null>(
  collection: string,
  id: string | undefined,
  options: LiveQueryOptions<TData, LiveRecord<T> | null> = {},
): UseQueryResult<TData, LivehubError> {
  const client = useLivehubClient();
  const queryClient = useQueryClient();
  // The link depends on nothing but these four, so the retain effect follows exactly them.
  const link = useCallback(
    () =>
      liveLink<LiveRecord<T> | null>(client, queryClient, livehubKeys.record(collection, id ?? ''), () => ({
        collection,
        channel: `${collection}:${id}`,
        load: async () => {
          // A one-record list rather than GET /:id: the list carries the seq to follow the record from.
          const page = await client.collection<T>(collection).list({ where: { id: id! }, limit: 1 });
          return { value: page.items[0] ?? null, seq: page.seq, epoch: page.epoch };
        },
        apply: (record, change) => applyToRecord(record, change as never),
      })),
    [client, queryClient, collection, id],
  );
  const queryKey = livehubKeys.record(collection, id ?? '');
  const enabled = options.enabled !== false && id !== undefined && id !== '';
  useEffect(() => (enabled ? link().retain() : undefined), [link, enabled]);
  return useQuery<LiveRecord<T> | null, LivehubError, TData, readonly unknown[]>({
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    ...options,
    enabled,
    queryKey,
    queryFn: ({ signal }) => link().fetch(signal),
  });
}
