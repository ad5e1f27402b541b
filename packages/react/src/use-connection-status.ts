import type { ClientStatus } from '@livehub/client';
import { useMemo, useSyncExternalStore } from 'react';
import { useLivehubClient } from './context.js';

/** Same snapshot in, same value out: a selector that builds an object must not loop React. */
function selecting<T>(getSnapshot: () => ClientStatus, select: (status: ClientStatus) => T): () => T {
  let memo: { from: ClientStatus; value: T } | undefined;
  return () => {
    const s = getSnapshot();
    if (memo?.from !== s) memo = { from: s, value: select(s) };
    return memo.value;
  };
}

/**
 * The connection's status (`state`, `isConnected`, `connectionQuality`, `lastUpdated`,
 * `reconnectAttempts`, `transport`, `clientId`, `epoch`, `rttMs`). The client hands out one frozen
 * object per change, so the component re-renders only when something in it changed, and never
 * reads a stale value.
 */
export function useConnectionStatus(): ClientStatus;
/**
 * One part of the status: the component re-renders only when that part changes (`lastUpdated`
 * changes with every message; an indicator that shows only `state` need not follow it).
 */
export function useConnectionStatus<T>(select: (status: ClientStatus) => T): T;
export function useConnectionStatus<T>(select?: (status: ClientStatus) => T): T | ClientStatus {
  const client = useLivehubClient();
  // A new selector (an inline one each render) gets a new memo: it is never answered with what the previous one picked.
  const getSnapshot = useMemo<() => T | ClientStatus>(
    () => (select ? selecting(client.status.getSnapshot, select) : client.status.getSnapshot),
    [client, select],
  );
  return useSyncExternalStore(client.status.subscribe, getSnapshot, getSnapshot);
}
