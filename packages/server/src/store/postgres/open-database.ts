import pg from 'pg';
import { migrate } from './migrations.js';
import { type Names, tableNames } from './names.js';
import { OpenLock } from './open-lock.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  url: string;
  /** The schema every table lives in; created if missing. Default `public`. */
  schema?: string;
  /** Connections in the pool (reads and the write path). Default 10; the open lock holds one more. */
  poolSize?: number;
}

export const DEFAULT_POOL_SIZE = 10;
/** A connection attempt that takes longer fails (a query then fails, `ping` says unreachable). */
const CONNECT_TIMEOUT_MS = 5000;

const INT8_OID = 20;

/**
 * int8 (seq, head, floor, version, count) as a JS number: seqs stay far below 2^53. Scoped to this
 * store's connections, so pg's process-wide parsers stay untouched for anyone else.
 */
const getTypeParser = (oid: number, format?: 'text' | 'binary'): unknown => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format));
const types: pg.CustomTypesConfig = { getTypeParser };

export interface OpenedDatabase {
  pool: pg.Pool;
  names: Names;
  /** The second key of the schema's advisory locks: its OID. */
  lockKey: number;
  openLock: OpenLock;
}

/** `host:port/database`, for logs and errors: never the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/**
 * Opens the store's database: the pool, the schema migrated to this version (created if missing),
 * then the open lock. On failure nothing stays open. `onRegained`: the open lock was lost and
 * taken again (see OpenLock).
 */
export async function openDatabase(opts: PostgresStoreOptions, onRegained: () => void): Promise<OpenedDatabase> {
  if (!isPostgresUrl(opts.url)) throw new TypeError(`Not a PostgreSQL URL: ${describeUrl(opts.url)} (postgres:// or postgresql://)`);
  const names = tableNames(opts.schema ?? 'public');
  const config: pg.ClientConfig = { connectionString: opts.url, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS };
  const pool = new pg.Pool({ ...config, max: opts.poolSize ?? DEFAULT_POOL_SIZE, application_name: 'livehub' });
  // An idle connection the server dropped: the pool discards it; unhandled, it would end the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    let lockKey: number;
    try {
      await migrate(client, names);
      lockKey = (await client.query<{ key: number }>('SELECT oid::int4 AS key FROM pg_namespace WHERE nspname = $1', [names.schema])).rows[0]!.key;
    } finally {
      client.release();
    }
    const what = `PostgreSQL schema "${names.schema}" on ${describeUrl(opts.url)}`;
    const openLock = await OpenLock.acquire(config, lockKey, what, onRegained);
    return { pool, names, lockKey, openLock };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

/** Whether `schema` holds a livehub store already (`livehub epoch` reads one; it never creates one). */
export async function schemaHasStore(url: string, schema = 'public'): Promise<boolean> {
  const names = tableNames(schema);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [names.logState]);
    return rows[0]!.found;
  } finally {
    await client.end();
  }
}
