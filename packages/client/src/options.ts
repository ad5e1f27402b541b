import { isValidClientId } from '@livehub/protocol/core';
import type { GetTokenContext, TokenRefreshOptions } from './token.js';

export type { GetTokenContext };

/** Ways to reach the hub, in the order they are tried by default. */
export type TransportKind = 'websocket' | 'sse' | 'long-poll';
export const TRANSPORT_KINDS: readonly TransportKind[] = ['websocket', 'sse', 'long-poll'];

/** What the client needs of a WebSocket: the browser's and `ws`'s share it. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // The client only sets these handlers, never calls them. The DOM's and `ws`'s event types differ;
  // a handler typed `(ev: never) => void` is one any handler of either can be assigned to, and the
  // client's own handlers declare the few event fields they read.
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}
/** The options the client passes as `new WebSocket`'s third argument; only the `ws` package reads them. */
export interface WebSocketClientOptions {
  headers?: Record<string, string>;
  perMessageDeflate?: boolean;
}
/** `new WebSocket(url, protocols, options?)`; `options` (headers) is only passed to the `ws` package. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: WebSocketClientOptions) => WebSocketLike;

export interface ReconnectOptions {
  /**
   * Ceiling of the first retry's delay (ms). The delay itself is random in [0, ceiling) ("full jitter").
   * @default 500
   */
  initialDelayMs?: number;
  /**
   * Growth of the ceiling per failed attempt: `min(maxDelayMs, initialDelayMs × factor^attempt)`.
   * @default 1.5
   */
  factor?: number;
  /**
   * Cap of the ceiling (ms).
   * @default 20000
   */
  maxDelayMs?: number;
  /**
   * Failed attempts in a row after which the client gives up and closes (reason `max_attempts`).
   * Seed 003 used 10.
   * @default Infinity
   */
  maxAttempts?: number;
  /**
   * Source of randomness for the jitter, returning [0, 1). Inject a seeded one in tests.
   * @default Math.random
   */
  random?: () => number;
}

export interface ClientOptions {
  /**
   * The hub's base URL, `http(s)://` or `ws(s)://` (a trailing `/ws` is ignored). Relative URLs
   * resolve against the page.
   * @default browser: the page's origin (`ws:`/`wss:` follows `http:`/`https:`); Node: env `LIVEHUB_URL`, else `http://127.0.0.1:8080`
   */
  url?: string;
  /**
   * A fixed bearer token. Sent as `Authorization: Bearer` where headers are possible (Node
   * WebSocket, fetch), else as `?token=` (browser WebSocket).
   * @default undefined (no credentials)
   */
  token?: string;
  /**
   * Supplies a token; called before connecting, ahead of a JWT's `exp` (refresh on the live
   * connection), and after the hub refuses one (4401). Takes precedence over `token` once called.
   * @default undefined
   */
  getToken?: (ctx: GetTokenContext) => string | undefined | Promise<string | undefined>;
  /**
   * Identity of this client (`[A-Za-z0-9_.:~-]{1,128}`); tabs of one app may share one. The hub's
   * `sendTo(clientId)` reaches it.
   * @default assigned by the hub on the first connection (a local one on long-poll), then kept across reconnects
   */
  clientId?: string;
  /**
   * Transports, in order of preference. A failing one makes the client try the next; while on a
   * fallback it probes the first one every `probeIntervalMs` and moves back when it works.
   * @default ['websocket', 'sse', 'long-poll']
   */
  transports?: TransportKind[];
  /** Backoff between reconnect attempts. */
  reconnect?: ReconnectOptions;
  /**
   * Time a connection attempt may take until `welcome` before it counts as failed (and the next
   * transport is tried).
   * @default 10000
   */
  connectionTimeoutMs?: number;
  /**
   * Interval of application-level pings on WebSocket (RTT, connection quality, half-open detection).
   * `0` turns them off.
   * @default 15000
   */
  heartbeatMs?: number;
  /**
   * A ping not answered within this is missed (`connectionQuality: 'poor'`); two missed in a row
   * with no other traffic close the connection and reconnect.
   * @default 10000 (or `heartbeatMs` if smaller)
   */
  pongTimeoutMs?: number;
  /**
   * A ping round trip slower than this makes `connectionQuality` `poor`.
   * @default 1000
   */
  poorRttMs?: number;
  /**
   * While on a fallback transport, how often to try the preferred one again.
   * @default 30000
   */
  probeIntervalMs?: number;
  /**
   * Long-poll: seconds the hub may hold a poll open when nothing changed (hub maximum 30).
   * @default 25
   */
  pollWaitS?: number;
  /**
   * Time an HTTP request (REST helpers, HTTP publish, fallback snapshots) or a WebSocket request
   * (publish ack, `auth`) may take.
   * @default 15000
   */
  requestTimeoutMs?: number;
  /** When to refresh a JWT ahead of its `exp` (needs `getToken`). */
  tokenRefresh?: TokenRefreshOptions;
  /**
   * Connect as soon as the client is created. `false` waits for `connect()`.
   * @default true
   */
  autoConnect?: boolean;
  /**
   * fetch implementation (HTTP API, SSE, long-poll).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * WebSocket implementation.
   * @default globalThis.WebSocket; in Node 20 (none global) the `ws` package, loaded on first use
   */
  WebSocket?: WebSocketConstructor;
}

export interface ResolvedOptions {
  /** `http(s)://host[:port][/prefix]`, no trailing slash. */
  httpBase: string;
  /** `ws(s)://host[:port][/prefix]/ws`. */
  wsUrl: string;
  token: string | undefined;
  getToken: ClientOptions['getToken'];
  clientId: string | undefined;
  transports: TransportKind[];
  reconnect: Required<ReconnectOptions>;
  connectionTimeoutMs: number;
  heartbeatMs: number;
  pongTimeoutMs: number;
  poorRttMs: number;
  probeIntervalMs: number;
  pollWaitS: number;
  requestTimeoutMs: number;
  tokenRefresh: TokenRefreshOptions;
  autoConnect: boolean;
  fetch: typeof fetch;
  WebSocket: WebSocketConstructor | undefined;
}

/** Globals that exist only in some hosts; looked up without DOM or Node types. */
interface HostGlobals {
  location?: { href: string; origin: string; protocol: string };
  process?: { env?: Record<string, string | undefined> };
  WebSocket?: WebSocketConstructor;
}
export const host = globalThis as unknown as HostGlobals;

const DEFAULT_NODE_URL = 'http://127.0.0.1:8080';

/** Base URL from the option, the page, or the environment. */
export function resolveBaseUrl(url: string | undefined): string {
  const page = host.location?.href;
  const raw =
    url ?? (page !== undefined && /^https?:/.test(host.location!.protocol) ? host.location!.origin : host.process?.env?.LIVEHUB_URL || DEFAULT_NODE_URL);
  const u = page !== undefined ? new URL(raw, page) : new URL(raw);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`livehub url must be http(s) or ws(s), got '${raw}'`);
  let path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/ws')) path = path.slice(0, -3);
  return `${u.protocol}//${u.host}${path}`;
}

function positive(name: string, v: number | undefined, def: number, min = 0): number {
  const n = v ?? def;
  if (typeof n !== 'number' || Number.isNaN(n) || n < min) throw new TypeError(`livehub client option ${name} must be a number ≥ ${min}, got ${String(v)}`);
  return n;
}

/** Validates options once, up front, and fills in every default. */
export function resolveOptions(o: ClientOptions = {}): ResolvedOptions {
  const httpBase = resolveBaseUrl(o.url);
  const transports = o.transports ?? [...TRANSPORT_KINDS];
  if (transports.length === 0 || transports.some((t) => !TRANSPORT_KINDS.includes(t))) {
    throw new TypeError(`livehub client option transports must list some of ${TRANSPORT_KINDS.join(', ')}`);
  }
  if (o.clientId !== undefined && !isValidClientId(o.clientId)) throw new TypeError(`livehub client option clientId is not valid: '${String(o.clientId)}'`);
  const f = o.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  if (!f) throw new TypeError('livehub client needs fetch (Node ≥ 18 or a browser), or the fetch option');
  const heartbeatMs = positive('heartbeatMs', o.heartbeatMs, 15_000);
  const r = o.reconnect ?? {};
  return {
    httpBase,
    wsUrl: httpBase.replace(/^http/, 'ws') + '/ws',
    token: o.token,
    getToken: o.getToken,
    clientId: o.clientId,
    transports: [...new Set(transports)],
    reconnect: {
      initialDelayMs: positive('reconnect.initialDelayMs', r.initialDelayMs, 500),
      factor: positive('reconnect.factor', r.factor, 1.5, 1),
      maxDelayMs: positive('reconnect.maxDelayMs', r.maxDelayMs, 20_000),
      maxAttempts: positive('reconnect.maxAttempts', r.maxAttempts, Infinity, 1),
      random: r.random ?? Math.random,
    },
    connectionTimeoutMs: positive('connectionTimeoutMs', o.connectionTimeoutMs, 10_000, 1),
    heartbeatMs,
    pongTimeoutMs: positive('pongTimeoutMs', o.pongTimeoutMs, heartbeatMs > 0 ? Math.min(10_000, heartbeatMs) : 10_000, 1),
    poorRttMs: positive('poorRttMs', o.poorRttMs, 1000),
    probeIntervalMs: positive('probeIntervalMs', o.probeIntervalMs, 30_000, 1),
    pollWaitS: Math.min(30, positive('pollWaitS', o.pollWaitS, 25)),
    requestTimeoutMs: positive('requestTimeoutMs', o.requestTimeoutMs, 15_000, 1),
    tokenRefresh: o.tokenRefresh ?? {},
    autoConnect: o.autoConnect ?? true,
    fetch: f,
    WebSocket: o.WebSocket,
  };
}
