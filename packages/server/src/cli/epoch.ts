import { existsSync } from 'node:fs';
import { describeUrl, PostgresStore, schemaHasStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { UsageError, parseFlags, type Command } from './command.js';

const HELP = `livehub epoch: show or rotate the change log's epoch

Usage:
  livehub epoch [--db FILE | --database URL [--database-schema S]] [--rotate]

  --db FILE           SQLite database file   env LIVEHUB_DB  default ./data/livehub.db
  --database URL      PostgreSQL instead     env LIVEHUB_DATABASE_URL
  --database-schema S PostgreSQL schema      env LIVEHUB_DATABASE_SCHEMA  default public
  --rotate            give the log a new epoch and void its history

Prints the change log's epoch and head. --rotate makes every client position reset: do it after
restoring a backup, with every hub stopped (it refuses, exit 2, while any process, on any machine
for PostgreSQL, has the database open).
`;

/** The store to read: PostgreSQL with --database (or its env), else the SQLite file. Never creates one. */
async function openExistingStore(values: { db?: string; database?: string; 'database-schema'?: string }): Promise<Store> {
  const url = values.database ?? process.env.LIVEHUB_DATABASE_URL;
  if (url) {
    const schema = values['database-schema'] ?? process.env.LIVEHUB_DATABASE_SCHEMA ?? 'public';
    if (!/^postgres(ql)?:\/\//i.test(url)) throw new UsageError('--database must be a postgres:// or postgresql:// URL');
    if (!(await schemaHasStore(url, schema))) throw new UsageError(`no livehub database in PostgreSQL schema "${schema}" on ${describeUrl(url)}`);
    return PostgresStore.open({ url, schema, poolSize: 1 });
  }
  const file = values.db ?? process.env.LIVEHUB_DB ?? './data/livehub.db';
  if (!existsSync(file)) throw new UsageError(`no database at ${file} (give --db FILE or set LIVEHUB_DB, or --database URL)`);
  return new SqliteStore({ file, durability: 'full' });
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    db: { type: 'string' },
    database: { type: 'string' },
    'database-schema': { type: 'string' },
    rotate: { type: 'boolean' },
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
  return 0;
}

export const epoch: Command = { name: 'epoch', help: HELP, run };
