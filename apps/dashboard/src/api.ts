/** The hub's ops endpoints the dashboard reads (same origin as the page); the bodies are the protocol's types. */
import type { CollectionsResponse, HubClientsResponse, HubStatsResponse } from '@livehub/protocol/core';

/** A failed ops request, with its HTTP status (401: the hub wants a token). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let bearer: string | undefined;
/** The token every ops request carries (the live connection gets it through the client). */
export function setApiToken(token: string | undefined): void {
  bearer = token;
}

async function get<T>(path: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(path, { headers });
  if (!res.ok) throw new HttpError(res.status, `${path}: HTTP ${res.status}${await reasonOf(res)}`);
  return (await res.json()) as T;
}

/** The hub's own words from an error body (`{ error: { message } }`), e.g. why a 403 was given. */
async function reasonOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? ` (${body.error.message})` : '';
  } catch {
    return '';
  }
}

export const fetchCollections = async () => (await get<CollectionsResponse>('api/collections')).collections;
export const fetchClients = () => get<HubClientsResponse>('api/hub/clients');
export const fetchStats = (seconds: number) => get<HubStatsResponse>(`api/hub/stats?seconds=${seconds}`);

/** Query keys of the ops data, for useQueryInvalidation and refetch intervals. */
export const opsKeys = {
  collections: ['hub', 'collections'] as const,
  clients: ['hub', 'clients'] as const,
  stats: (seconds: number) => ['hub', 'stats', seconds] as const,
};
