import type { LivehubClient } from '@livehub/client';
import { createContext, useContext } from 'react';

export const LivehubContext = createContext<LivehubClient | null>(null);

/** The client of the nearest `<LivehubProvider>`; throws outside one (a missing provider is a bug, not a state). */
export function useLivehubClient(): LivehubClient {
  const client = useContext(LivehubContext);
  if (!client) throw new Error('useLivehubClient: no <LivehubProvider> above this component');
  return client;
}
