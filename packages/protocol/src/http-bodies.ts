/**
 * Response bodies of the hub's HTTP API (besides records and `HttpErrorBody`): the server's routes
 * are typed with these, and clients and the dashboard read them without re-typing the shapes.
 */
import type { PayloadMode, LiveRecord } from './records.js';
import type { RecordEventMessage, WelcomeMessage } from './server-messages.js';

/** `GET /api/c/:collection` response. */
export interface ListResponse<T extends object = Record<string, unknown>> {
  items: LiveRecord<T>[];
  /** Opaque; pass as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string;
  /** Change-log head the page was read at: subscribe with `since: seq` to follow it without a gap. */
  seq: number;
  epoch: string;
}

/** `GET /api/changes` (and its long-poll form, `?wait=`): the same page as `sync_response`, without `type` and `id`. */
export interface ChangesResponse {
  /** Changes after `since`, ascending; each is a durable event whose `channel` is its collection. */
  changes: RecordEventMessage[];
  /** Ask from here next time: the last change returned when `more`, else the head the read covered. */
  seq: number;
  epoch: string;
  /** The page was full: ask again with `since = seq`. */
  more: boolean;
  /** `since` was older than the log keeps, ahead of its head, or from another epoch: refetch state. */
  reset?: true;
}

/** `POST /api/publish` response (202). */
export interface PublishResponse {
  ok: true;
}

/** One entry of `GET /api/collections`: collections holding records, plus declared ones. */
export interface CollectionSummary {
  name: string;
  /**
   * Records stored (0 for a declared, empty collection); `null` when the caller's read rule admits
   * only some of them, so the total is not told.
   */
  count: number | null;
  declared: boolean;
  /** Declared collections only. */
  payload?: PayloadMode;
}

/** `GET /api/collections` response. */
export interface CollectionsResponse {
  collections: CollectionSummary[];
}

/**
 * `GET /api/session`: the `welcome` a WebSocket or SSE connection opens with, for clients that hold
 * no connection (long-poll). Under `/api`, so a proxy that forwards only `/api` and `/ws` carries it;
 * authenticated like the rest of `/api`. `clientId` echoes a valid `x-client-id` (else a fresh id);
 * `heartbeatMs` is 0: nothing is pushed between polls.
 */
export type SessionResponse = Omit<WelcomeMessage, 'type'>;

/** Status of `/healthz`: 200 with `ok`, 503 with `shutting_down`. */
export type HealthStatus = 'ok' | 'shutting_down';

/** The database as one node sees it: which engine, and whether it answered just now. */
export interface StoreHealth {
  /** `sqlite`, `postgres`, or a custom store's name. */
  kind: string;
  ok: boolean;
}

/** `GET /healthz` response (never authenticated). */
export interface HealthResponse {
  status: HealthStatus;
  epoch: string;
  /** The store's change-log head (the node's last fanned-out seq when the database does not answer). */
  seq: number;
  floor: number;
  /** Open connections (WebSocket and SSE) on this node. */
  connections: number;
  /** The hub's version, e.g. `0.1.0`. */
  version: string;
  store: StoreHealth;
  /** This node's bus: `memory` (in-process, one node) or `redis`; `ok: false` while it cannot carry messages. */
  bus: BusHealth;
}

/** The bus part of `/healthz`. */
export interface BusHealth {
  kind: string;
  ok: boolean;
  /** Where it is connected, or why it is not. */
  detail?: string;
}

/** Status of `/readyz`: 200 with `ready`, 503 otherwise. */
export type ReadyStatus = 'ready' | 'not_ready' | 'shutting_down';

/** `GET /readyz` response (never authenticated): whether a load balancer should send this node traffic. */
export interface ReadyResponse {
  status: ReadyStatus;
  store: StoreHealth;
}

/** The transports that make a connection (long-poll does not). */
export type TransportKind = 'websocket' | 'sse';

/** One connection in `GET /api/hub/clients`. */
export interface ClientSummary {
  clientId: string;
  /** Node-local connection number. */
  connId: number;
  transport: TransportKind;
  /** The principal's `sub`. */
  sub: string;
  remote: string;
  userAgent?: string;
  /** ISO-8601 UTC. */
  connectedAt: string;
  /** Channels the connection is subscribed to, `system` included. */
  channels: string[];
  /** Messages handed to the transport. */
  sent: number;
  /** Inbound frames (always 0 for SSE). */
  received: number;
}

/** Subscribers of one channel on this node. */
export interface ChannelCount {
  channel: string;
  subscribers: number;
}

/** `GET /api/hub/clients` response: this node only. */
export interface HubClientsResponse {
  clients: ClientSummary[];
  channels: ChannelCount[];
}

/** One second of hub activity. */
export interface RateSample {
  /** Start of the second, ms since the Unix epoch. */
  t: number;
  /** Events published (changes + ephemeral) in that second. */
  events: number;
  /** Event messages handed to connections in that second. */
  deliveries: number;
  /** Open connections at the end of it. */
  connections: number;
}

/** `GET /api/hub/stats?seconds=N` response (N: 1–600, default 300): this node's completed seconds, oldest first. */
export interface HubStatsResponse {
  epoch: string;
  seq: number;
  floor: number;
  connections: number;
  /** Sum of the per-channel subscriber counts. */
  subscriptions: number;
  /** Width of one sample: 1000. */
  intervalMs: number;
  samples: RateSample[];
}
