import type { EventMessage } from '@livehub/client';
import type { RecordChangeData } from '@livehub/protocol/core';
import { hashKey, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useLivehubClient } from './context.js';
import { KeyedDebouncer, type DebounceTiming } from './keyed-debouncer.js';
import { sharedChannels } from './shared-channels.js';

/**
 * A key to invalidate on every event of the channel, or a function of the event (return nothing to
 * skip). Change events carry `RecordChangeData` (`e.data.id` is the record's id); ephemeral events
 * carry whatever was published, so pass `D` (or narrow) for those.
 */
export type InvalidationTarget<D = Partial<RecordChangeData> & Record<string, unknown>> =
  QueryKey | ((event: EventMessage<D>) => QueryKey | null | undefined | false);

/** Channel → what to invalidate: `{ agent: [['agents'], (e) => ['agent', e.data.id]] }`. */
export type InvalidationMap = Record<string, readonly InvalidationTarget[]>;

export interface QueryInvalidationOptions extends DebounceTiming {
  /**
   * Only events with these names invalidate.
   * @default every event
   */
  events?: readonly string[];
  /**
   * Passed to `invalidateQueries`: which matching queries refetch now (the rest are marked stale).
   * @default 'active'
   */
  refetchType?: 'active' | 'inactive' | 'all' | 'none';
}

/**
 * Seed 001's `useAgentSync` as configuration: for each event on a channel, invalidate the listed
 * query keys (prefix match, as `invalidateQueries` does), debounced and coalesced per key so a
 * burst of 500 events refetches each key once. When the hub cannot resume a channel (`reset`),
 * its fixed keys are invalidated once (function keys need an event, so they are skipped).
 */
export function useQueryInvalidation(map: InvalidationMap, options: QueryInvalidationOptions = {}): void {
  const client = useLivehubClient();
  const queryClient = useQueryClient();
  const mapRef = useRef(map);
  useEffect(() => {
    mapRef.current = map;
  });
  const channelsKey = Object.keys(map).sort().join('\n');
  const eventsKey = options.events ? JSON.stringify([...options.events].sort()) : '';
  const { debounceMs, maxWaitMs, refetchType = 'active' } = options;

  useEffect(() => {
    const only = eventsKey ? new Set<string>(JSON.parse(eventsKey) as string[]) : undefined;
    const debouncer = new KeyedDebouncer<QueryKey>((queryKey) => void queryClient.invalidateQueries({ queryKey, refetchType }).catch(() => undefined), {
      ...(debounceMs !== undefined ? { debounceMs } : {}),
      ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
    });
    const invalidate = (key: QueryKey) => debouncer.schedule(hashKey(key), key);
    const handles = (channelsKey ? channelsKey.split('\n') : []).map((channel) =>
      sharedChannels(client).attach(
        channel,
        {
          event: (e) => {
            if (only && !only.has(e.event)) return;
            for (const target of mapRef.current[channel] ?? []) {
              // The event's data is whatever the channel carries; the map's functions declare their view of it.
              const key = typeof target === 'function' ? target(e as Parameters<typeof target>[0]) : target;
              if (key) invalidate(key);
            }
          },
          reset: () => {
            for (const target of mapRef.current[channel] ?? []) if (typeof target !== 'function') invalidate(target);
          },
        },
        { live: true },
      ),
    );
    return () => {
      for (const h of handles) h.release();
      debouncer.cancel();
    };
  }, [client, queryClient, channelsKey, eventsKey, debounceMs, maxWaitMs, refetchType]);
}
