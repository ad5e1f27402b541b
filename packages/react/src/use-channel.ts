import type { EventMessage, LivehubError } from '@livehub/client';
import { useEffect, useRef } from 'react';
import { useLivehubClient } from './context.js';
import { sharedChannels } from './shared-channels.js';

export interface UseChannelOptions {
  /**
   * Only these event names reach the handler.
   * @default every event of the channel
   */
  events?: readonly string[];
  /**
   * `false` leaves the channel unsubscribed (e.g. until an id is known).
   * @default true
   */
  enabled?: boolean;
  /** Called when the hub refuses the subscription (e.g. `invalid_channel`). */
  onError?: (err: LivehubError) => void;
}

/**
 * Subscribes to a channel for as long as the component is mounted (and `channel` stays the same),
 * calling `handler` for each event. The latest `handler` is always the one called, so it may close
 * over props and state without resubscribing. Components on the same channel share one subscription.
 */
export function useChannel<D = unknown>(channel: string, handler: (event: EventMessage<D>) => void, options: UseChannelOptions = {}): void {
  const client = useLivehubClient();
  const handlerRef = useRef(handler);
  const onErrorRef = useRef(options.onError);
  useEffect(() => {
    handlerRef.current = handler;
    onErrorRef.current = options.onError;
  });
  const enabled = options.enabled ?? true;
  // A stable string, so an inline `events: ['a', 'b']` array does not resubscribe on every render.
  const eventsKey = options.events ? JSON.stringify([...options.events].sort()) : '';

  useEffect(() => {
    if (!enabled) return;
    const only = eventsKey ? new Set<string>(JSON.parse(eventsKey) as string[]) : undefined;
    const handle = sharedChannels(client).attach(
      channel,
      {
        event: (e) => {
          if (!only || only.has(e.event)) handlerRef.current(e as EventMessage<D>);
        },
        error: (err) => onErrorRef.current?.(err),
      },
      { live: true },
    );
    return () => handle.release();
  }, [client, channel, enabled, eventsKey]);
}
