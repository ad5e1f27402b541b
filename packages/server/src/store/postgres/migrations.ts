import type pg from 'pg';
import { randomBytes } from 'node:crypto';
import { newEpoch } from '../../ids.js';
import { LOCK_CLASS } from './advisory-locks.js';
import type { Names } from './names.js';

/**
 * Schema steps, applied in order by `schema_version`. Append; never edit a shipped step. Text is
 * `COLLATE "C"` (byte order, which for UTF-8 is code-point order: SQLite's BINARY, the order
 * `@livehub/protocol` defines); stamps are the ISO-8601 text the SQLite store writes, so both
 * compare them the same way. `log_state` is one row: epoch, head (the last seq assigned), floor
 * (every seq at or below it is compacted away) and floor_ts (the newest stamp dropped).
 */
const STEPS: Array<(n: Names) => string[]> = [
  (n) => [
    `CREATE TABLE ${n.records} (
      collection text COLLATE "C" NOT NULL,
      id text COLLATE "C" NOT NULL,
      version bigint NOT NULL,
      created_at text COLLATE "C" NOT NULL,
      updated_at text COLLATE "C" NOT NULL,
      data jsonb NOT NULL,
      PRIMARY KEY (collection, id)
    )`,
    `CREATE TABLE ${n.changes} (
      seq bigint PRIMARY KEY,
      ts text COLLATE "C" NOT NULL,
      collection text COLLATE "C" NOT NULL,
      record_id text COLLATE "C" NOT NULL,
      action text NOT NULL,
      version bigint NOT NULL,
      record jsonb NOT NULL,
      previous jsonb,
      changed jsonb NOT NULL
    )`,
    `CREATE INDEX changes_by_collection ON ${n.changes} (collection, seq)`,
    `CREATE INDEX changes_by_record ON ${n.changes} (collection, record_id, seq)`,
    `CREATE INDEX changes_by_ts ON ${n.changes} (ts)`,
    `CREATE TABLE ${n.logState} (
      id integer PRIMARY KEY CHECK (id = 1),
      epoch text NOT NULL,
      head bigint NOT NULL,
      floor bigint NOT NULL,
      floor_ts text COLLATE "C"
    )`,
  ],
  // A random secret made with the database (Store.secret): every node on it derives the same keys.
  // Hex only, so it is safe as a literal in the statement.
  // As the column's default, so the row (inserted after the steps on a new database) has it too.
  (n) => [`ALTER TABLE ${n.logState} ADD COLUMN secret text NOT NULL DEFAULT '${randomBytes(32).toString('hex')}'`],
];

/**
 * Creates the schema if missing and migrates it to this version, in one transaction under an
 * advisory lock on the schema's name: nodes that start together migrate one after another, and
 * the later ones find nothing left to do.
 */
export async function migrate(client: pg.ClientBase, n: Names): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS.migrate, n.schema]);
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [n.schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${n.schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${n.schemaVersion} (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)`);
    const current = (await client.query<{ version: number }>(`SELECT version FROM ${n.schemaVersion} WHERE id = 1`)).rows[0]?.version ?? 0;
    if (current > STEPS.length) {
      throw new Error(`Database schema "${n.schema}" is at version ${current}, newer than this livehub (${STEPS.length}); upgrade livehub`);
    }
    for (let v = current; v < STEPS.length; v++) for (const statement of STEPS[v]!(n)) await client.query(statement);
    if (current === 0) await client.query(`INSERT INTO ${n.logState} (id, epoch, head, floor) VALUES (1, $1, 0, 0)`, [newEpoch()]);
    if (current < STEPS.length) {
      await client.query(`INSERT INTO ${n.schemaVersion} (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version`, [
        STEPS.length,
      ]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
