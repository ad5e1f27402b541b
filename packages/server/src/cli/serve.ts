import { createHub, storeLocation, type LivehubServer } from '../create-hub.js';
import { findConfigFile, loadConfigFile } from '../config/config-file.js';
import { cliKeySource } from '../config/cli-key-source.js';
import type { HubOptions, ResolvedHubOptions } from '../options.js';
import { VERSION } from '../version.js';
import { watchParent } from '../parent-watch.js';
import { UsageError, parseFlags, type Command } from './command.js';
import { effectiveOptions, formatEffectiveOptions, type OptionSources } from './effective-options.js';

const HELP = `livehub serve: run the hub

Usage:
  livehub serve [--port P] [--host H] [--db FILE | --database URL] [--redis URL] [--config FILE] [--log-level L] [--log-format F]
                [--jwt-secret S | --jwt-public-key FILE | --jwks-url URL]

Options (flag > environment > config file > default):
  --port, -p     TCP port                 env PORT        default 8080
  --host         interface to bind        env HOST        default 127.0.0.1
  --db           SQLite database file     env LIVEHUB_DB  default ./data/livehub.db
  --database URL PostgreSQL instead (postgres://user@host:5432/db)  env LIVEHUB_DATABASE_URL
                 default none: SQLite. Hubs on one database are one cluster (docs/scaling.md).
  --database-schema S  PostgreSQL schema  env LIVEHUB_DATABASE_SCHEMA  default public
  --redis URL    Redis bus between nodes (redis://host:6379)  env LIVEHUB_REDIS_URL
                 default none: the in-process bus, a single node
  --redis-prefix channel prefix on Redis (same on every node of a deployment)
                 env LIVEHUB_REDIS_PREFIX  default livehub
  --config, -c   livehub.config.json|.ts  (default: ./livehub.config.{ts,mts,js,mjs,json} if present)
  --log-level    fatal|error|warn|info|debug|trace|silent  env LOG_LEVEL  default info
  --log-format   auto|json|pretty         env LOG_FORMAT  default auto (pretty in a terminal, else JSON)
  --jwt-secret   HS256 secret (32+ chars)  env LIVEHUB_JWT_SECRET  default none: no auth
                 (prefer the env: a flag is visible to every user in \`ps\`)
  --jwt-public-key FILE  PEM public key or certificate (RS256, ES256, EdDSA…)
                 env LIVEHUB_JWT_PUBLIC_KEY (the PEM itself) or LIVEHUB_JWT_PUBLIC_KEY_FILE (a path)
  --jwks-url URL JWKS of the token issuer  env LIVEHUB_JWKS_URL
                 Give at most one key source (two exit 2); it replaces the config file's key
                 source and keeps its other auth settings (issuer, audience…).

At start it prints every effective option and where it came from (secrets redacted) on stderr,
then "livehub <version> on <url>" and where the dashboard and metrics are on stdout.
SIGTERM or SIGINT shut it down gracefully; a second signal exits at once.
`;

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    db: { type: 'string' },
    database: { type: 'string' },
    'database-schema': { type: 'string' },
    redis: { type: 'string' },
    'redis-prefix': { type: 'string' },
    config: { type: 'string', short: 'c' },
    'log-level': { type: 'string' },
    'log-format': { type: 'string' },
    'jwt-secret': { type: 'string' },
    'jwt-public-key': { type: 'string' },
    'jwks-url': { type: 'string' },
  });
  const configFile = findConfigFile(values.config);
  const fileOptions: HubOptions = configFile ? await loadConfigFile(configFile) : {};
  // Where each option given here came from, for the table printed at start.
  const sources: OptionSources = {};
  const from = (flag: string | undefined, flagName: string, envName: string): string => (flag !== undefined ? flagName : envName);
  const portRaw = values.port ?? process.env.PORT;
  const port = portRaw !== undefined ? Number(portRaw) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new UsageError(`invalid port '${portRaw}' (0-65535; 0 picks a free one)`);
  const options: HubOptions = { ...fileOptions };
  if (port !== undefined) {
    options.port = port;
    sources.port = from(values.port, '--port', 'PORT');
  }
  const host = values.host ?? process.env.HOST;
  if (host) {
    options.host = host;
    sources.host = from(values.host, '--host', 'HOST');
  }
  const db = values.db ?? process.env.LIVEHUB_DB;
  if (db) {
    options.db = db;
    sources.db = from(values.db, '--db', 'LIVEHUB_DB');
  }
  const database = values.database ?? process.env.LIVEHUB_DATABASE_URL;
  if (database) {
    options.database = database;
    sources.database = from(values.database, '--database', 'LIVEHUB_DATABASE_URL');
  }
  const schema = values['database-schema'] ?? process.env.LIVEHUB_DATABASE_SCHEMA;
  if (schema) {
    options.databaseSchema = schema;
    sources.databaseSchema = from(values['database-schema'], '--database-schema', 'LIVEHUB_DATABASE_SCHEMA');
  }
  const redis = values.redis ?? process.env.LIVEHUB_REDIS_URL;
  if (redis) {
    options.redis = redis;
    sources.redis = from(values.redis, '--redis', 'LIVEHUB_REDIS_URL');
  }
  const redisPrefix = values['redis-prefix'] ?? process.env.LIVEHUB_REDIS_PREFIX;
  if (redisPrefix) {
    options.redisKeyPrefix = redisPrefix;
    sources.redisKeyPrefix = from(values['redis-prefix'], '--redis-prefix', 'LIVEHUB_REDIS_PREFIX');
  }
  const level = values['log-level'] ?? process.env.LOG_LEVEL;
  if (level) {
    options.logLevel = level as HubOptions['logLevel'];
    sources.logLevel = from(values['log-level'], '--log-level', 'LOG_LEVEL');
  }
  const format = values['log-format'] ?? process.env.LOG_FORMAT;
  if (format) {
    options.logFormat = format as HubOptions['logFormat'];
    sources.logFormat = from(values['log-format'], '--log-format', 'LOG_FORMAT');
  }
  const keySource = cliKeySource(values, process.env);
  if (keySource) {
    // A key given here replaces the config file's key source, keeps its other settings (issuer, audience…).
    const { secret: _s, publicKey: _p, jwksUrl: _j, algorithms: _a, ...rest } = fileOptions.auth ?? {};
    options.auth = { ...rest, ...keySource.key };
    sources[`auth.${Object.keys(keySource.key)[0]!}`] = keySource.from;
  }

  const server = withKeySource(() => createHub(options), keySource?.from);
  installSignals(server);
  process.stderr.write(`livehub ${VERSION}: ${formatEffectiveOptions(effectiveOptions(server.options, fileOptions, sources, configFile))}`);
  if (configFile) server.log.info({ configFile }, 'config loaded');
  const url = await server.start();
  warnIfOpen(server.options, url);
  // The pid: under npm the process a supervisor started is npm's, not this one.
  const bus = server.bus.status();
  const busLine = `bus ${bus.kind}${bus.detail ? ` ${bus.detail}` : ''}${bus.ok ? '' : ' (UNAVAILABLE)'}`;
  process.stdout.write(
    `livehub ${VERSION} on ${url}  (pid ${process.pid}, WebSocket ${url.replace(/^http/, 'ws')}/ws, store ${server.store.kind} ${storeLocation(server)}, ${busLine})\n` +
      `  dashboard ${url}/  ${dashboardNote(server)}\n  metrics   ${url}/metrics   health ${url}/healthz\n`,
  );
  return 0;
}

function dashboardNote(server: LivehubServer): string {
  if (server.dashboardDir !== undefined) return `(${server.dashboardDir})`;
  if (server.options.dashboard === false) return '(a status page: dashboard: false)';
  return '(a status page: no dashboard build found; npm run build -w @livehub/dashboard)';
}

function installSignals(server: LivehubServer): void {
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      server.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    server.log.info({ signal }, 'signal received');
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        server.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Started by npm (npx, npm start: npm sets npm_lifecycle_event): npm's SIGTERM may never reach
  // this process, so it ends with its parent (see parent-watch.ts). Run directly, it does not: a
  // hub started with `nohup livehub serve &` outlives the shell that started it.
  if (process.env.npm_lifecycle_event !== undefined) watchParent(() => shutdown('parent exited'));
}

/** A key the options refuse (too short, not PEM, not a URL) is reported with the flag or variable it came from. */
function withKeySource<T>(build: () => T, from: string | undefined): T {
  try {
    return build();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (from === undefined || !message.includes('auth')) throw err;
    throw new Error(`${message}\n  (the JWT key came from ${from})`, { cause: err });
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** One line on stderr when the hub runs without auth; a louder one when it is reachable from other machines. */
function warnIfOpen(options: ResolvedHubOptions, url: string): void {
  if (options.auth !== undefined || options.authenticator !== undefined) return;
  if (LOOPBACK.test(options.host)) {
    process.stderr.write(
      `livehub: warning: no auth configured: every local process and page of an allowed origin can read and write everything on ${url} (set LIVEHUB_JWT_SECRET)\n`,
    );
  } else {
    process.stderr.write(
      `livehub: WARNING: NO AUTH and bound to ${options.host}: ANYONE WHO CAN REACH ${url} CAN READ AND WRITE EVERYTHING (set LIVEHUB_JWT_SECRET, or bind 127.0.0.1)\n`,
    );
  }
}

export const serve: Command = { name: 'serve', help: HELP, run };
