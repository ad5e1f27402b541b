import type { Database } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { newEpoch } from '../../ids.js';

/**
 * Schema steps, applied in order by `PRAGMA user_version`. Append; never edit a shipped step.
 * `log_state` is one row: the epoch (fixed at creation), the head seq (the last assigned) and the
 * floor (every seq at or below it has been compacted away).
 */
const STEPS: Array<(db: Database) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE records (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (collection, id)
      ) WITHOUT ROWID;
      CREATE TABLE changes (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        collection TEXT NOT NULL,
        record_id TEXT NOT NULL,
        action TEXT NOT NULL,
        version INTEGER NOT NULL,
        record TEXT NOT NULL,
        previous TEXT,
        changed TEXT NOT NULL
      );
      CREATE INDEX changes_by_collection ON changes (collection, seq);
      CREATE INDEX changes_by_record ON changes (collection, record_id, seq);
      CREATE TABLE log_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch TEXT NOT NULL,
        head INTEGER NOT NULL,
        floor INTEGER NOT NULL
      );
    `);
    db.prepare('INSERT INTO log_state (id, epoch, head, floor) VALUES (1, ?, 0, 0)').run(newEpoch());
  },
  // Reads by commit time (`sync_request {since: "<ISO>"}`): an index on ts, and the stamp of the
  // newest change ever dropped (floor_ts), so a read can tell whether the log still reaches back
  // to an instant. For a log compacted before this step the oldest kept stamp stands in (safe:
  // every dropped change is at or before it); a log that never dropped anything has none.
  (db) => {
    db.exec(`
      CREATE INDEX changes_by_ts ON changes (ts);
      ALTER TABLE log_state ADD COLUMN floor_ts TEXT;
      UPDATE log_state SET floor_ts = CASE WHEN floor = 0 THEN NULL
        ELSE coalesce((SELECT min(ts) FROM changes), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) END;
    `);
  },
  // A random secret made with the database (Store.secret): every hub on it derives the same keys.
  (db) => {
    db.exec('ALTER TABLE log_state ADD COLUMN secret TEXT');
    db.prepare('UPDATE log_state SET secret = ?').run(randomBytes(32).toString('hex'));
  },
];

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > STEPS.length) {
    throw new Error(`Database schema version ${current} is newer than this livehub (${STEPS.length}); upgrade livehub`);
  }
  for (let v = current; v < STEPS.length; v++) {
    db.transaction(() => {
      STEPS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
