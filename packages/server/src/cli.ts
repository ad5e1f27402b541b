import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { createHub } from './create-hub.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { findConfigFile, loadConfigFile } from './config/config-file.js';
import { cliKeySource } from './config/cli-key-source.js';
import type { HubOptions, ResolvedHubOptions } from './options.js';
import { VERSION } from './version.js';
import { watchParent } from './parent-watch.js';

const HELP = `livehub ${VERSION}

Usage:
  livehub serve [--port P] [--host H] [--db FILE] [--redis URL] [--config FILE] [--log-level L]
  livehub epoch [--db FILE] [--rotate]
  livehub version

serve options (flag > environment > config file > default):
  --port, -p     TCP port                 env PORT        default 8080
  --host         interface to bind        env HOST        default 127.0.0.1
  --db           SQLite database file     env LIVEHUB_DB  default ./data/livehub.db
  --redis URL    Redis bus between nodes (redis://host:6379)  env LIVEHUB_REDIS_URL
                 default none: the in-process bus, a single node
  --redis-prefix channel prefix on Redis (same on every node of a deployment)
                 env LIVEHUB_REDIS_PREFIX  default livehub
  --config, -c   livehub.config.json|.ts  (default: ./livehub.config.{ts,mts,js,mjs,json} if present)
  --log-level    fatal|error|warn|info|debug|trace|silent  env LOG_LEVEL  default info
  --jwt-secret   HS256 secret (32+ chars)  env LIVEHUB_JWT_SECRET  default none: no auth
                 (prefer the env: a flag is visible to every user in \`ps\`)
  --jwt-public-key FILE  PEM public key or certificate (RS256, ES256, EdDSA…)
                 env LIVEHUB_JWT_PUBLIC_KEY (the PEM itself) or LIVEHUB_JWT_PUBLIC_KEY_FILE (a path)
  --jwks-url URL JWKS of the token issuer  env LIVEHUB_JWKS_URL
                 Give at most one key source (two exit 2); it replaces the config file's key
                 source and keeps its other auth settings (issuer, audience…).

epoch: prints the change log's epoch and head. --rotate gives it a new epoch and voids its history,
so every client position resets: do it after restoring a backup, with the hub stopped (it refuses,
exit 2, while any process has the database open).
`;

function fail(message: string): never {
  process.stderr.write(`livehub: ${message}\n`);
  process.exit(2);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      db: { type: 'string' },
      redis: { type: 'string' },
      'redis-prefix': { type: 'string' },
      config: { type: 'string', short: 'c' },
      'log-level': { type: 'string' },
      'jwt-secret': { type: 'string' },
      'jwt-public-key': { type: 'string' },
      'jwks-url': { type: 'string' },
    },
    strict: true,
  });
  const configFile = findConfigFile(values.config);
  const fileOptions: HubOptions = configFile ? await loadConfigFile(configFile) : {};
  const portRaw = values.port ?? process.env.PORT;
  const port = portRaw !== undefined ? Number(portRaw) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) fail(`invalid port '${portRaw}'`);
  const options: HubOptions = { ...fileOptions };
  if (port !== undefined) options.port = port;
  const host = values.host ?? process.env.HOST;
  if (host) options.host = host;
  const db = values.db ?? process.env.LIVEHUB_DB;
  if (db) options.db = db;
  const redis = values.redis ?? process.env.LIVEHUB_REDIS_URL;
  if (redis) options.redis = redis;
  const redisPrefix = values['redis-prefix'] ?? process.env.LIVEHUB_REDIS_PREFIX;
  if (redisPrefix) options.redisKeyPrefix = redisPrefix;
  const level = values['log-level'] ?? process.env.LOG_LEVEL;
  if (level) options.logLevel = level as HubOptions['logLevel'];
  const keySource = cliKeySource(values, process.env);
  if (keySource) {
    // A key given here replaces the config file's key source, keeps its other settings (issuer, audience…).
    const { secret: _s, publicKey: _p, jwksUrl: _j, algorithms: _a, ...rest } = fileOptions.auth ?? {};
    options.auth = { ...rest, ...keySource.key };
  }

  const server = withKeySource(() => createHub(options), keySource?.from);
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
  if (configFile) server.log.info({ configFile }, 'config loaded');
  const url = await server.start();
  warnIfOpen(server.options, url);
  // The pid: under npm the process a supervisor started is npm's, not this one.
  const bus = server.bus.status();
  const busLine = `bus ${bus.kind}${bus.detail ? ` ${bus.detail}` : ''}${bus.ok ? '' : ' (UNAVAILABLE)'}`;
  process.stdout.write(`livehub ${VERSION} on ${url}  (pid ${process.pid}, WebSocket ${url.replace(/^http/, 'ws')}/ws, db ${server.options.db}, ${busLine})\n`);
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

async function epoch(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, rotate: { type: 'boolean' } }, strict: true });
  const file = values.db ?? process.env.LIVEHUB_DB ?? './data/livehub.db';
  if (!existsSync(file)) fail(`no database at ${file}`);
  const store = new SqliteStore({ file, durability: 'full' });
  try {
    const before = store.epoch;
    const after = values.rotate ? await store.rotateEpoch() : before;
    const { head } = await store.bounds();
    process.stdout.write(values.rotate ? `epoch ${before} -> ${after} (head ${head}; history voided)\n` : `epoch ${before} (head ${head})\n`);
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'epoch':
      return epoch(rest);
    case 'version':
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    default:
      fail(`unknown command '${command}'\n\n${HELP}`);
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
