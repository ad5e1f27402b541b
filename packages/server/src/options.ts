import { z } from 'zod';
import type { Logger } from 'pino';
import { DEFAULT_LIST_LIMIT } from '@livehub/protocol';
import type { CollectionConfig } from './config/collection-config.js';
import type { Bus } from './bus/bus.js';
import type { Authenticator } from './auth.js';
import type { Store } from './store/store.js';
import { SCHEMA_RE } from './store/postgres/names.js';
import { DEFAULT_POOL_SIZE } from './store/postgres/open-database.js';
import { normalizeOrigin } from './http/browser-guard.js';
import type { AuthorizeHook, ChannelRules, CollectionRules } from './authz/rules.js';
import { validateChannelRules, validateCollectionRules } from './authz/rule-validation.js';

/**
 * Every option of `createHub`, with its default. Validated once, up front: a hub never starts on a
 * half-understood configuration.
 */
export const HubOptionsSchema = z.object({
  /** TCP port; 0 picks a free one. Default 8080 (env `PORT` in the CLI). */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Interface to bind. Default 127.0.0.1: exposing the hub is a deliberate choice. */
  host: z.string().default('127.0.0.1'),
  /** SQLite database file; created with its folder if missing. Default `./data/livehub.db`. Unused with `database`. */
  db: z.string().default('./data/livehub.db'),
  /**
   * PostgreSQL instead of SQLite: a `postgres://` or `postgresql://` URL (env `LIVEHUB_DATABASE_URL`
   * in the CLI). Hubs on one database (and schema) are nodes of one cluster: one log, one epoch
   * (docs/scaling.md). Default: absent, SQLite on `db`.
   */
  database: z
    .string()
    .regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL schema every table lives in; created if missing. Default `public`. */
  databaseSchema: z.string().regex(SCHEMA_RE, 'must be a lowercase identifier (letters, digits, _; at most 63)').default('public'),
  /** PostgreSQL connections per hub in its pool (reads and the write path); one more holds the open lock. Default 10. */
  databasePoolSize: z.number().int().min(1).max(1000).default(DEFAULT_POOL_SIZE),
  /**
   * SQLite `synchronous` pragma (PostgreSQL: the server's `synchronous_commit` decides). `full` (default) fsyncs every commit, so an acknowledged write
   * survives power loss; `normal` survives process crashes (kill -9) only and is faster.
   */
  durability: z.enum(['full', 'normal']).default('full'),
  /** Only collections declared in `collections` exist (404 otherwise). Default false: any valid name works schemaless. */
  strictCollections: z.boolean().default(false),
  /** Change-log retention; compaction drops the oldest changes beyond either bound. */
  retention: z
    .object({
      /** Keep at most this many changes. Default 1,000,000. */
      maxChanges: z.number().int().min(1).default(1_000_000),
      /** Drop changes older than this (ms). Default 7 days. */
      maxAgeMs: z
        .number()
        .int()
        .min(1)
        .default(7 * 24 * 3600 * 1000),
      /** How often compaction runs (ms). Default 60 s. */
      intervalMs: z.number().int().min(10).default(60_000),
    })
    .prefault({}),
  /** Interval of server WebSocket pings; a peer that misses one whole interval is dropped. Default 25 s. */
  heartbeatMs: z.number().int().min(10).default(25_000),
  /** Largest inbound WebSocket frame (bytes); larger closes with 1009. Default 1 MiB. */
  maxFrameBytes: z
    .number()
    .int()
    .min(256)
    .default(1024 * 1024),
  /** Largest HTTP body (bytes). Default 1 MiB. */
  maxBodyBytes: z
    .number()
    .int()
    .min(256)
    .default(1024 * 1024),
  /**
   * Deepest nesting of JSON the hub accepts: HTTP bodies, WebSocket frames and records written
   * through `hub.collections` (`{}` is depth 1). Deeper is refused with `too_deep` (400). Kept well
   * below SQLite's JSON limit of 1,000, past which a stored record breaks its collection's lists.
   * Default 64.
   */
  maxJsonDepth: z.number().int().min(2).max(900).default(64),
  /** Outbound bytes queued for one connection before it is closed as a slow consumer (4408). Default 16 MiB. */
  maxQueueBytes: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** Bad frames tolerated per connection per heartbeat interval before closing with 4400. Default 50. */
  maxBadFrames: z.number().int().min(1).default(50),
  /** Per-connection and node-wide resource limits (docs/security.md, "Limits"). */
  limits: z
    .object({
      /** Subscriptions one connection may hold (`system` included); one more is refused with `too_many_subscriptions` (429), the connection stays. Default 1,000. */
      maxSubscriptionsPerConnection: z.number().int().min(1).default(1000),
      /** Open connections (WS and SSE) from one remote address; one more is refused: WS close 4429, SSE HTTP 429 `too_many_connections`. Default 1,000. */
      maxConnectionsPerAddress: z.number().int().min(1).default(1000),
      /** Open connections of one authenticated principal (`sub`; the anonymous principal is not counted, the address limit covers it). Refused like the address limit. Default 100. */
      maxConnectionsPerPrincipal: z.number().int().min(1).default(100),
      /** Sustained inbound frames per second on one connection (token bucket refill); over it the connection is closed 1008. Default 100. */
      messagesPerSecond: z.number().min(0.001).default(100),
      /** Inbound frames a connection may send at once above the sustained rate (bucket size). Above `maxSubscriptionsPerConnection`, so a reconnecting client can resubscribe everything at once. Default 2,000. */
      messageBurst: z.number().int().min(1).default(2000),
      /** Largest `sync_request` page in changes, whatever its `limit` asks; more pages follow with `more: true`. Default 1,000. */
      syncPageChanges: z.number().int().min(1).max(10_000).default(1000),
      /** Largest `sync_request` page in encoded bytes (at least one change is always sent). Default 1 MiB. */
      syncPageBytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
      /**
       * A `sync_request` is answered only once the connection's outbound backlog is at most this many bytes
       * (it waits for the socket to drain); at most 4 wait per connection, more are refused `too_many_requests`. Default 1 MiB.
       */
      syncInFlightBytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
      /** Outbound bytes queued across all connections of this node; over it the connections with the largest backlogs are closed 4408 until it is under. Default 256 MiB. */
      maxTotalQueueBytes: z
        .number()
        .int()
        .min(1024)
        .default(256 * 1024 * 1024),
      /**
       * Sustained HTTP requests per second to `/api/` routes, per principal (`sub` of a valid token) or, without one, per
       * remote address (token bucket refill); a stream (SSE, long-poll) counts once. Over it: 429 `too_many_requests` with `Retry-After`. High enough for a
       * backend writing in bulk through one token or address (the group commit takes thousands a second); lower it for
       * public hubs. Default 1,000.
       */
      httpRequestsPerSecond: z.number().min(0.001).default(1000),
      /** HTTP requests one principal or address may send at once above the sustained rate (bucket size). Default 2,000. */
      httpRequestBurst: z.number().int().min(1).default(2000),
    })
    .prefault({}),
  /** Largest `snapshot` a subscribe may return; larger is refused with `snapshot_too_large`. Default 10,000. */
  maxSnapshotRecords: z.number().int().min(1).default(10_000),
  /** Changes read per page during a replay. Default 1,000. */
  replayPageSize: z.number().int().min(1).max(100_000).default(1000),
  /** How often the hub checks the log head for changes no bus message announced (ms). Default 1 s. */
  feedPollMs: z.number().int().min(10).default(1000),
  /**
   * Redis URL of the bus between nodes (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS): hubs on one
   * database, each given the same Redis and `redisKeyPrefix`, exchange changes and ephemeral events through it
   * (docs/scaling.md, "Bus: Redis"). Absent (default): the in-process bus, a single node. Env `LIVEHUB_REDIS_URL` /
   * `--redis` in the CLI. Not with `bus` (one or the other).
   */
  redis: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Prefix of every Redis channel the bus uses: the nodes of one deployment share it, deployments on one Redis differ. Default `livehub`. */
  redisKeyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be 1-100 of A-Z a-z 0-9 _ . : -')
    .default('livehub'),
  /** Default and largest page size of `GET /api/c/:collection`. */
  listLimit: z.object({ default: z.number().int().min(1).default(DEFAULT_LIST_LIMIT), max: z.number().int().min(1).default(1000) }).prefault({}),
  /**
   * Built-in JWT auth: exactly one key source, `secret` (HS256), `publicKey` (PEM; RS256, ES256, …)
   * or `jwksUrl` (keys fetched, cached and rotated by jose). Absent (default): no auth, everyone is
   * `anonymous` (the CLI warns at start).
   */
  auth: z
    .object({
      /** HS256 shared secret, at least 32 characters (env `LIVEHUB_JWT_SECRET` / `--jwt-secret` in the CLI). */
      secret: z.string().min(32).optional(),
      /** A PEM public key (SPKI `-----BEGIN PUBLIC KEY-----` or an X.509 certificate); RSA, EC or Ed25519. */
      publicKey: z.string().optional(),
      /** A JWKS URL (e.g. `https://issuer/.well-known/jwks.json`); tokens name their key by `kid`. */
      jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** JWKS: how long fetched keys are trusted before a refetch (ms). Default 10 min (jose's). */
      jwksCacheMaxAgeMs: z.number().int().min(0).default(600_000),
      /** JWKS: least time between two refetches, e.g. on an unknown `kid` after a rotation (ms). Default 30 s (jose's). */
      jwksCooldownMs: z.number().int().min(0).default(30_000),
      /**
       * Accepted `alg`s. Default: `HS256` for `secret`; for `publicKey` the one its key type signs
       * (RSA `RS256`, P-256 `ES256`, P-384 `ES384`, P-521 `ES512`, Ed25519 `EdDSA`); for `jwksUrl`
       * `RS256`, `ES256`, `PS256`, `EdDSA`.
       */
      algorithms: z.array(z.string().min(1)).min(1).optional(),
      issuer: z.string().optional(),
      audience: z.string().optional(),
      /** Leeway for `exp`, `nbf` and `iat` against clock drift between issuer and hub (s). Default 0. */
      clockToleranceSec: z.number().int().min(0).max(3600).default(0),
      /** Refuse peers without a token. Default true. */
      required: z.boolean().default(true),
    })
    .refine((a) => [a.secret, a.publicKey, a.jwksUrl].filter((k) => k !== undefined).length === 1, {
      message: 'give exactly one of secret, publicKey, jwksUrl',
    })
    .optional(),
  /** Browser safety: Origin and Host checks, CORS (see docs/security.md). */
  browser: z
    .object({
      /**
       * Origins (`scheme://host[:port]`) whose pages may use the hub cross-origin: WebSocket, SSE
       * and the HTTP API through CORS. `'*'` allows any. Requests without `Origin` (non-browser
       * clients) and same-origin pages are always allowed. Default `[]`: no cross-origin page.
       */
      allowedOrigins: z
        .array(z.string().refine((o) => o === '*' || normalizeOrigin(o) !== undefined, 'must be * or an origin like https://app.example.com (no path)'))
        .default([]),
      /**
       * `Host` names served beyond IP literals, `localhost`, `*.localhost` and the bound `host`
       * (DNS rebinding guard). `.example.com` allows its subdomains; `'*'` turns the check off
       * (only behind a proxy that checks Host). Default `[]`.
       */
      allowedHosts: z.array(z.string().regex(/^(\*|\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?)$/, 'must be *, a host name or .domain')).default([]),
      /** How long browsers may cache a CORS preflight answer (s). Default 600. */
      corsMaxAgeSec: z.number().int().min(0).max(86_400).default(600),
    })
    .prefault({}),
  /**
   * Who may do what (docs/security.md, "Rules"). Admin surfaces (the `*` tap, `/api/hub/*`, HTTP
   * publish on `system`): with auth on, only a principal whose claim `adminClaim` is (or, as an
   * array, holds) one of `adminValues` may use them; a custom authenticator may set `admin: true`
   * instead. Admins pass every rule. Without auth everyone is an admin, and rules cannot be set.
   */
  authorization: z
    .object({
      /** The token claim read. Default `role`. */
      adminClaim: z.string().min(1).default('role'),
      /** Values of that claim that make an admin. Default `['admin']`. */
      adminValues: z.array(z.string().min(1)).min(1).default(['admin']),
      /**
       * What an action no rule covers allows an authenticated principal: `allow` (default: everything
       * but the admin surfaces) or `deny` (only what a rule allows).
       */
      defaultPolicy: z.enum(['allow', 'deny']).default('allow'),
      /** Per collection (or `'*'`: every collection not named) `read`, `create`, `update`, `delete` rules and `set` fields. Default `{}`. */
      collections: z
        .record(
          z.string(),
          z.custom<CollectionRules>(() => true),
        )
        .default({}),
      /** Per channel pattern (`session:{sub}:*`) `subscribe` and `publish` rules; the first matching pattern decides. Default `{}`. */
      channels: z
        .record(
          z.string(),
          z.custom<ChannelRules>(() => true),
        )
        .default({}),
      /** The app's hook, asked after the rules allow (a `.ts` config or `createHub` only). Default none. */
      authorize: z.custom<AuthorizeHook>((v) => typeof v === 'function', 'must be a function').optional(),
      /** How long the hook's answers are reused, per principal, action and target (ms); 0: never. Default 10 s. */
      authorizeCacheMs: z.number().int().min(0).default(10_000),
      /** A hook slower than this denies (ms). Default 2 s. */
      authorizeTimeoutMs: z.number().int().min(1).default(2000),
    })
    .prefault({}),
  /** A WebSocket peer that connected without a token has this long to send `auth` (ms). Default 5000. */
  authTimeoutMs: z.number().int().min(1).default(5000),
  /**
   * Shutdown grace (ms): how long peers get to answer the 1001 close, and then how long in-flight
   * HTTP requests get, before what is left is cut. Default 5000.
   */
  shutdownGraceMs: z.number().int().min(0).default(5000),
  /**
   * The dashboard at `/`: true (default) serves the built `@livehub/dashboard` when installed, a
   * folder path serves that build, false serves a plain status page.
   */
  dashboard: z.union([z.boolean(), z.string()]).default(true),
  /** pino level. Default `info` (env `LOG_LEVEL` in the CLI). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Log output: `json` (one pino JSON object a line), `pretty` (pino-pretty, for people), or `auto`
   * (default): pretty when stdout is a terminal and no test runner is (env `VITEST`, `NODE_ENV=test`),
   * JSON otherwise (env `LOG_FORMAT` in the CLI). Ignored when `logger` is given.
   */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export type ResolvedHubOptions = z.output<typeof HubOptionsSchema> & {
  collections: Record<string, CollectionConfig>;
  logger: Logger | undefined;
  bus: Bus | undefined;
  authenticator: Authenticator | undefined;
  store: Store | undefined;
};

/** Options of `createHub`. Everything is optional; see `HubOptionsSchema` for defaults. */
export type HubOptions = z.input<typeof HubOptionsSchema> & {
  /** Declared collections (schema, payload mode, private fields). Undeclared ones are schemaless with `full` payloads. */
  collections?: Record<string, CollectionConfig>;
  /** A pino logger to use instead of the hub's own. */
  logger?: Logger;
  /** Event bus between the write path and the hubs of every node. Default: a `RedisBus` on `redis` if given, else in-process. */
  bus?: Bus;
  /** Turns a token into a principal. Default: every connection is `anonymous`. */
  authenticator?: Authenticator;
  /** Records and change log. Default: a PostgresStore on `database` if set, else a SqliteStore on `db` with `durability`. The hub closes it on stop. */
  store?: Store;
};

export function resolveOptions(input: HubOptions = {}): ResolvedHubOptions {
  const { collections, logger, bus, authenticator, store, ...rest } = input;
  const parsed = HubOptionsSchema.strict().safeParse(rest);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TypeError(`Invalid livehub options:\n  ${lines.join('\n  ')}`);
  }
  if (bus !== undefined && parsed.data.redis !== undefined) {
    throw new TypeError('Invalid livehub options:\n  redis: give either `redis` (a Redis bus) or `bus` (your own), not both');
  }
  const a = parsed.data.authorization;
  const hasRules = Object.keys(a.collections).length > 0 || Object.keys(a.channels).length > 0 || a.authorize !== undefined || a.defaultPolicy === 'deny';
  if (hasRules && parsed.data.auth === undefined && authenticator === undefined) {
    // Without auth every peer is the anonymous admin: the rules would protect nothing.
    throw new TypeError(
      'Invalid livehub options:\n  authorization: rules need auth (an `auth` key source or an `authenticator`); without it every peer is an admin',
    );
  }
  try {
    // Checked again where the rules are compiled; here, so a bad rule stops the hub before anything opens.
    for (const [name, r] of Object.entries(a.collections)) validateCollectionRules(`authorization.collections.${name}`, name, r);
    for (const [pattern, r] of Object.entries(a.channels)) validateChannelRules(`authorization.channels['${pattern}']`, pattern, r);
  } catch (err) {
    throw new TypeError(`Invalid livehub options:\n  ${(err as Error).message}`, { cause: err });
  }
  return { ...parsed.data, collections: collections ?? {}, logger, bus, authenticator, store };
}
