import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import { OpenLock } from './open-lock.js';

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for tests of logic only. */
  file: string;
  /** `full` fsyncs each commit (survives power loss); `normal` survives process crashes. */
  durability: 'full' | 'normal';
}

export interface OpenedDatabase {
  db: Database.Database;
  /** Marks the file as open while the store has it (so `rotateEpoch` can tell it is alone); none for `:memory:`. */
  openLock: OpenLock | undefined;
}

/**
 * Opens the store's database: its folder, the open lock, WAL and the pragmas, the schema migrated
 * to this version. On failure nothing stays open.
 */
export function openDatabase(opts: SqliteStoreOptions): OpenedDatabase {
  let openLock: OpenLock | undefined;
  if (opts.file !== ':memory:') {
    mkdirSync(dirname(opts.file), { recursive: true });
    // Before the epoch is read: a rotation in progress is waited for, not half seen.
    openLock = new OpenLock(opts.file);
  }
  try {
    return { db: openAndMigrate(opts), openLock };
  } catch (err) {
    openLock?.close();
    throw err;
  }
}

function openAndMigrate(opts: SqliteStoreOptions): Database.Database {
  const db = new Database(opts.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
