import { z } from 'zod';
import type { Logger } from 'pino';
import { DEFAULT_LIST_LIMIT } from '@livehub/protocol';
import type { CollectionConfig } from './config/collection-config.js';
import type { Bus } from './bus/bus.js';
import type { Authenticator } from './auth.js';
import type { Store } from './store/store.js';

/**
 * Every option of `createHub`, with its default. Validated once, up front: a hub never starts on a
 * half-understood configuration.
 */
export const HubOptionsSchema = z.object({
  /** TCP port; 0 picks a free one. Default 8080 (env `PORT` in the CLI). */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Interface to bind. Default 127.0.0.1: exposing the hub is a deliberate choice. */
  host: z.string().default('127.0.0.1'),
  /** SQLite database file; created with its folder if missing. Default `./data/livehub.db`. */
  db: z.string().default('./data/livehub.db'),
  /**
   * SQLite `synchronous` pragma. `full` (default) fsyncs every commit, so an acknowledged write
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
  /** Largest `snapshot` a subscribe may return; larger is refused with `snapshot_too_large`. Default 10,000. */
  maxSnapshotRecords: z.number().int().min(1).default(10_000),
  /** Changes read per page during a replay. Default 1,000. */
  replayPageSize: z.number().int().min(1).max(100_000).default(1000),
  /** How often the hub checks the log head for changes no bus message announced (ms). Default 1 s. */
  feedPollMs: z.number().int().min(10).default(1000),
  /** Default and largest page size of `GET /api/c/:collection`. */
  listLimit: z.object({ default: z.number().int().min(1).default(DEFAULT_LIST_LIMIT), max: z.number().int().min(1).default(1000) }).prefault({}),
  /** Built-in JWT auth (HS256). Absent (default): no auth, everyone is `anonymous`. */
  auth: z
    .object({
      /** HS256 shared secret, at least 32 characters. */
      secret: z.string().min(32),
      issuer: z.string().optional(),
      audience: z.string().optional(),
      /** Refuse peers without a token. Default true. */
      required: z.boolean().default(true),
    })
    .optional(),
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
  /** Event bus between the write path and the hub. Default: in-process. */
  bus?: Bus;
  /** Turns a token into a principal. Default: every connection is `anonymous`. */
  authenticator?: Authenticator;
  /** Records and change log. Default: a SqliteStore on `db` with `durability`. The hub closes it on stop. */
  store?: Store;
};

export function resolveOptions(input: HubOptions = {}): ResolvedHubOptions {
  const { collections, logger, bus, authenticator, store, ...rest } = input;
  const parsed = HubOptionsSchema.strict().safeParse(rest);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TypeError(`Invalid livehub options:\n  ${lines.join('\n  ')}`);
  }
  return { ...parsed.data, collections: collections ?? {}, logger, bus, authenticator, store };
}
