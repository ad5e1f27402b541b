import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AdminCheck } from './admin-check.js';
import { Authorizer } from './authz/authorizer.js';
import { anonymousAuthenticator } from './auth.js';
import { createJwtAuthenticator } from './jwt-authenticator.js';
import { installAuthHook } from './http/auth-hook.js';
import { BrowserGuard } from './http/browser-guard.js';
import { registerSse } from './transports/sse.js';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import { CollectionService } from './collections/collection-service.js';
import { CollectionRegistry } from './config/collection-config.js';
import { registerChangesRoutes } from './http/changes-routes.js';
import { registerCollectionRoutes } from './http/collection-routes.js';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './http/error-handler.js';
import { installJsonBodyParsers } from './http/json-body.js';
import { registerDashboard } from './http/dashboard.js';
import { registerOpsRoutes } from './http/ops-routes.js';
import { registerSessionRoute } from './http/session-route.js';
import { installRequestRate } from './http/request-rate.js';
import { installRequestObserver } from './http/request-observer.js';
import { Hub } from './hub/hub.js';
import { createLogger } from './logger.js';
import { HubMetrics } from './metrics.js';
import { resolveOptions, type HubOptions, type ResolvedHubOptions } from './options.js';
import { PostgresStore } from './store/postgres/postgres-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { RequestIds } from './request-ids.js';
import { VERSION } from './version.js';
import { Visibility } from './visibility.js';
import { attachWebSocket } from './transports/websocket.js';

export interface LivehubServer {
  readonly options: ResolvedHubOptions;
  readonly app: FastifyInstance;
  readonly hub: Hub;
  readonly store: Store;
  readonly bus: Bus;
  /** Server-side writes: same validation, log and events as the HTTP API. */
  readonly collections: CollectionService;
  readonly log: Logger;
  /** The built dashboard folder served at `/`, or undefined when `/` is the plain status page. */
  readonly dashboardDir: string | undefined;
  /** `http://host:port` once started. */
  readonly url: string;
  start(): Promise<string>;
  /** Graceful: refuse new work, close sockets with 1001, finish in-flight requests, close the database. */
  stop(): Promise<void>;
  publish(channel: string, event: string, data: unknown): Promise<void>;
  broadcast(event: string, data: unknown): Promise<void>;
  sendTo(clientId: string, event: string, data: unknown): Promise<void>;
}

/** The store the options name: PostgreSQL on `database` (opened in `start`), else SQLite on `db`. */
function buildStore(options: ResolvedHubOptions): Store {
  if (options.database !== undefined) {
    return new PostgresStore({ url: options.database, schema: options.databaseSchema, poolSize: options.databasePoolSize });
  }
  return new SqliteStore({ file: options.db, durability: options.durability });
}

/** Where the store keeps its data, for the start log and the CLI: never a password. */
export function storeLocation(server: Pick<LivehubServer, 'store' | 'options'>): string {
  const { store, options } = server;
  if (store instanceof PostgresStore) return store.location;
  if (store instanceof SqliteStore && options.store === undefined) return options.db;
  return '(custom store)';
}

/**
 * Builds a hub on one SQLite file, or as one node of a cluster on PostgreSQL (`database`). Options
 * are validated here, before anything opens.
 */
export function createHub(input: HubOptions = {}): LivehubServer {
  const options = resolveOptions(input);
  const log = options.logger ?? createLogger({ level: options.logLevel, format: options.logFormat });
  const registry = new CollectionRegistry(options.collections, options.strictCollections);
  const store = options.store ?? buildStore(options);
  const onBusHandlerError = (err: unknown): void => log.error({ err }, 'bus handler failed');
  const bus =
    options.bus ??
    (options.redis !== undefined
      ? new RedisBus({ url: options.redis, keyPrefix: options.redisKeyPrefix, log: log.child({ component: 'bus' }), onHandlerError: onBusHandlerError })
      : new MemoryBus(onBusHandlerError));
  const visibility = new Visibility(registry);
  const metrics = new HubMetrics();
  const authenticator = options.authenticator ?? (options.auth ? createJwtAuthenticator(options.auth) : anonymousAuthenticator);
  const admin = new AdminCheck(options.authenticator !== undefined || options.auth !== undefined, options.authorization);
  const authz = new Authorizer(options.authorization, admin, log.child({ component: 'authz' }));
  const hub = new Hub(store, bus, visibility, authenticator, metrics, log.child({ component: 'hub' }), {
    heartbeatMs: options.heartbeatMs,
    maxQueueBytes: options.maxQueueBytes,
    maxBadFrames: options.maxBadFrames,
    maxJsonDepth: options.maxJsonDepth,
    maxSnapshotRecords: options.maxSnapshotRecords,
    replayPageSize: options.replayPageSize,
    feedPollMs: options.feedPollMs,
    shutdownGraceMs: options.shutdownGraceMs,
    serverName: `livehub/${VERSION}`,
    limits: options.limits,
    authz,
  });
  metrics.observe({ outboundBytes: () => hub.outboundBytes, bounds: () => store.bounds(), channelCounts: () => hub.channels() });
  // One id sequence for HTTP requests and WebSocket upgrades: `reqId` in every log line of either.
  const requestIds = new RequestIds();
  const collections = new CollectionService(store, registry, bus, log, options.maxJsonDepth, authz);

  // Typed as FastifyBaseLogger (not pino's Logger) so the app is the plain FastifyInstance the routes take.
  const httpLog: FastifyBaseLogger = log.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLog,
    bodyLimit: options.maxBodyBytes,
    frameworkErrors,
    clientErrorHandler,
    // Per-request lines at info would drown a write-heavy hub: the request observer logs them at debug,
    // errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => requestIds.next(req.headers['x-request-id']),
  });
  installRequestObserver(app, metrics);
  installJsonBodyParsers(app, options.maxJsonDepth);
  installErrorHandler(app);
  const browserGuard = new BrowserGuard({ ...options.browser, boundHost: options.host });
  // Before the auth hook: a refused Host or Origin is refused before any token is looked at.
  browserGuard.install(app);
  installAuthHook(app, authenticator, metrics);
  installRequestRate(app, options.limits);
  registerCollectionRoutes(app, {
    collections,
    store,
    visibility,
    listLimit: options.listLimit,
    declared: () => registry.declared().map((s) => ({ name: s.name, payload: s.payload })),
    authz,
  });
  registerChangesRoutes(app, { store, visibility, hub, authz });
  registerSse(app, hub);
  registerOpsRoutes(app, { hub, store, metrics, version: VERSION });
  registerSessionRoute(app, { hub, epoch: () => store.epoch, serverName: `livehub/${VERSION}` });
  const dashboardDir = registerDashboard(app, { store, version: VERSION, dashboard: options.dashboard });

  let url = '';
  let detachWs: (() => void) | undefined;
  let compactTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;

  const compact = async (): Promise<void> => {
    try {
      const dropped = await store.compact(options.retention, hub.lowWaterMark());
      if (dropped > 0) log.info({ dropped }, 'change log compacted');
    } catch (err) {
      log.error({ err }, 'change log compaction failed');
    }
  };

  const server: LivehubServer = {
    options,
    app,
    hub,
    store,
    bus,
    collections,
    log,
    dashboardDir,
    get url() {
      return url;
    },
    async start() {
      // PostgreSQL connects and migrates here (SQLite opened in createHub): before the feed reads the head.
      if (store instanceof PostgresStore) await store.open();
      await hub.start();
      await compact();
      compactTimer = setInterval(() => void compact(), options.retention.intervalMs);
      compactTimer.unref();
      detachWs = attachWebSocket(app.server, hub, {
        maxFrameBytes: options.maxFrameBytes,
        maxEarlyBytes: options.maxQueueBytes,
        authTimeoutMs: options.authTimeoutMs,
        authenticator,
        browserGuard,
        requestIds,
        metrics,
        log: log.child({ component: 'ws' }),
      });
      await app.listen({ port: options.port, host: options.host });
      const addr = app.server.address() as AddressInfo;
      url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
      const { kind: busKind, ok: busOk, detail: busDetail } = bus.status();
      log.info(
        {
          url,
          store: store.kind,
          database: storeLocation(server),
          bus: busKind,
          busOk,
          busDetail,
          epoch: store.epoch,
          head: hub.head,
          dashboard: dashboardDir ?? 'status page',
        },
        'livehub listening',
      );
      return url;
    },
    stop() {
      stopping ??= (async () => {
        log.info('livehub shutting down');
        clearInterval(compactTimer);
        await hub.close();
        detachWs?.();
        // Waits for in-flight requests: a write that started is committed and answered. Sockets
        // that never finish (a peer that opened one and went silent) are cut after the grace period.
        const grace = setTimeout(() => app.server.closeAllConnections(), options.shutdownGraceMs);
        grace.unref();
        await app.close();
        clearTimeout(grace);
        await bus.close();
        await store.close();
        log.info('livehub stopped');
      })();
      return stopping;
    },
    publish: (channel, event, data) => hub.publish(channel, event, data),
    broadcast: (event, data) => hub.broadcast(event, data),
    sendTo: (clientId, event, data) => hub.sendTo(clientId, event, data),
  };
  return server;
}
