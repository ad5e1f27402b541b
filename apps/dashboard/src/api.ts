/** The hub's ops endpoints the dashboard reads (same origin as the page). */

export interface CollectionInfo {
  name: string;
  count: number;
  declared: boolean;
  payload?: 'ids' | 'full' | 'diff';
}

export interface HubClient {
  clientId: string;
  connId: number;
  transport?: string;
  sub: string;
  remote: string;
  userAgent?: string;
  connectedAt: string;
  channels: string[];
  sent: number;
  received: number;
}

export interface HubClients {
  clients: HubClient[];
  channels: { channel: string; subscribers: number }[];
}

export interface RateSample {
  /** Start of the second, ms since the epoch. */
  t: number;
  events: number;
  deliveries: number;
  connections: number;
}

export interface HubStats {
  epoch: string;
  seq: number;
  floor: number;
  connections: number;
  subscriptions: number;
  intervalMs: number;
  samples: RateSample[];
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export const fetchCollections = async () => (await get<{ collections: CollectionInfo[] }>('api/collections')).collections;
export const fetchClients = () => get<HubClients>('api/hub/clients');
export const fetchStats = (seconds: number) => get<HubStats>(`api/hub/stats?seconds=${seconds}`);

/** Query keys of the ops data, for useQueryInvalidation and refetch intervals. */
export const opsKeys = {
  collections: ['hub', 'collections'] as const,
  clients: ['hub', 'clients'] as const,
  stats: (seconds: number) => ['hub', 'stats', seconds] as const,
};
