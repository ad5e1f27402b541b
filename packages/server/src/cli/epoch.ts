import { existsSync } from 'node:fs';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { UsageError, parseFlags, type Command } from './command.js';

const HELP = `livehub epoch: show or rotate the change log's epoch

Usage:
  livehub epoch [--db FILE] [--rotate]

  --db FILE   SQLite database file   env LIVEHUB_DB  default ./data/livehub.db
  --rotate    give the log a new epoch and void its history

Prints the change log's epoch and head. --rotate makes every client position reset: do it after
restoring a backup, with the hub stopped (it refuses, exit 2, while any process has the database open).
`;

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { db: { type: 'string' }, rotate: { type: 'boolean' } });
  const file = values.db ?? process.env.LIVEHUB_DB ?? './data/livehub.db';
  if (!existsSync(file)) throw new UsageError(`no database at ${file} (give --db FILE or set LIVEHUB_DB)`);
  const store = new SqliteStore({ file, durability: 'full' });
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
