import type { ClientStatus } from '@livehub/client';
import { useCallback, useRef, useSyncExternalStore } from 'react';
import { useLivehubClient } from './context.js';

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
  const selectRef = useRef(select);
  selectRef.current = select;
  // Same snapshot in, same value out: a selector that builds an object must not loop React.
  const memo = useRef<{ from: ClientStatus; value: unknown } | null>(null);
  const getSnapshot = useCallback(() => {
    const s = client.status.getSnapshot();
    const pick = selectRef.current;
    if (!pick) return s;
    if (memo.current?.from !== s) memo.current = { from: s, value: pick(s) };
    return memo.current.value;
  }, [client]);
  return useSyncExternalStore(client.status.subscribe, getSnapshot, getSnapshot) as T | ClientStatus;
}
