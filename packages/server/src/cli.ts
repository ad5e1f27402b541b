import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { createHub, storeLocation } from './create-hub.js';
import { describeUrl, PostgresStore, schemaHasStore } from './store/postgres/postgres-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { findConfigFile, loadConfigFile } from './config/config-file.js';
import { cliKeySource } from './config/cli-key-source.js';
import type { HubOptions, ResolvedHubOptions } from './options.js';
import { VERSION } from './version.js';
import { watchParent } from './parent-watch.js';

const HELP = `livehub ${VERSION}

Usage:
  livehub serve [--port P] [--host H] [--db FILE | --database URL] [--config FILE] [--log-level L]
  livehub epoch [--db FILE | --database URL] [--rotate]
  livehub version

serve options (flag > environment > config file > default):
  --port, -p     TCP port                 env PORT        default 8080
  --host         interface to bind        env HOST        default 127.0.0.1
  --db           SQLite database file     env LIVEHUB_DB  default ./data/livehub.db
  --database URL PostgreSQL instead (postgres://user@host:5432/db)  env LIVEHUB_DATABASE_URL
                 default none: SQLite. Hubs on one database are one cluster (docs/scaling.md).
  --database-schema S  PostgreSQL schema  env LIVEHUB_DATABASE_SCHEMA  default public
  --config, -c   livehub.config.json|.ts  (default: ./livehub.config.{ts,mts,js,mjs,json} if present)
  --log-level    fatal|error|warn|info|debug|trace|silent  env LOG_LEVEL  default info
  --jwt-secret   HS256 secret (32+ chars)  env LIVEHUB_JWT_SECRET  default none: no auth
                 (prefer the env: a flag is visible to every user in \`ps\`)
  --jwt-public-key FILE  PEM public key or certificate (RS256, ES256, EdDSA…)
                 env LIVEHUB_JWT_PUBLIC_KEY (the PEM itself) or LIVEHUB_JWT_PUBLIC_KEY_FILE (a path)
  --jwks-url URL JWKS of the token issuer  env LIVEHUB_JWKS_URL
                 Give at most one key source (two exit 2); it replaces the config file's key
                 source and keeps its other auth settings (issuer, audience…).

epoch: prints the change log's epoch and head (of --db, or of --database / --database-schema).
--rotate gives it a new epoch and voids its history, so every client position resets: do it after
restoring a backup, with every hub stopped (it refuses, exit 2, while any process, on any machine
for PostgreSQL, has the database open).
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
      database: { type: 'string' },
      'database-schema': { type: 'string' },
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
  const database = values.database ?? process.env.LIVEHUB_DATABASE_URL;
  if (database) options.database = database;
  const schema = values['database-schema'] ?? process.env.LIVEHUB_DATABASE_SCHEMA;
  if (schema) options.databaseSchema = schema;
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
  process.stdout.write(
    `livehub ${VERSION} on ${url}  (pid ${process.pid}, WebSocket ${url.replace(/^http/, 'ws')}/ws, store ${server.store.kind} ${storeLocation(server)})\n`,
  );
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

/** The store `livehub epoch` reads: PostgreSQL with --database (or its env), else the SQLite file. Never creates one. */
async function openExistingStore(values: { db?: string; database?: string; 'database-schema'?: string }): Promise<Store> {
  const url = values.database ?? process.env.LIVEHUB_DATABASE_URL;
  if (url) {
    const schema = values['database-schema'] ?? process.env.LIVEHUB_DATABASE_SCHEMA ?? 'public';
    if (!/^postgres(ql)?:\/\//i.test(url)) fail('--database must be a postgres:// or postgresql:// URL');
    if (!(await schemaHasStore(url, schema))) fail(`no livehub database in PostgreSQL schema "${schema}" on ${describeUrl(url)}`);
    return PostgresStore.open({ url, schema, poolSize: 1 });
  }
  const file = values.db ?? process.env.LIVEHUB_DB ?? './data/livehub.db';
  if (!existsSync(file)) fail(`no database at ${file}`);
  return new SqliteStore({ file, durability: 'full' });
}

async function epoch(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, database: { type: 'string' }, 'database-schema': { type: 'string' }, rotate: { type: 'boolean' } },
    strict: true,
  });
  const store = await openExistingStore(values);
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
