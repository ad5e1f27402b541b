import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Names } from './names.js';

/** A fixed statement: pg prepares it once per connection under its name. */
export interface Statement {
  name: string;
  text: string;
}

const statement = (text: string): Statement => ({ name: `lh_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`, text });

/** The statement with its parameters, as pg's `query` takes it. */
export const bind = (s: Statement, values: unknown[]): pg.QueryConfig => ({ name: s.name, text: s.text, values });

/**
 * Every fixed statement the store runs (list pages are built per query shape in list-sql). Reads
 * of the log are bounded by the head read in the same statement, so in the same snapshot.
 */
export function prepareStatements(n: Names) {
  const head = `(SELECT head FROM ${n.logState} WHERE id = 1)`;
  const changeCols = 'seq, ts, collection, record_id, action, version, record, previous, changed';
  return {
    state: statement(`SELECT epoch, head, floor, floor_ts FROM ${n.logState} WHERE id = 1`),
    /** The write lock: every write transaction takes this row first (see group-commit). */
    lockHead: statement(`SELECT head FROM ${n.logState} WHERE id = 1 FOR UPDATE`),
    /** The current rows of the records a batch touches. $1 collections, $2 ids (parallel arrays). */
    readBatch: statement(
      `SELECT r.collection, r.id, r.version, r.created_at, r.updated_at, r.data FROM ${n.records} r ` +
        'JOIN unnest($1::text[], $2::text[]) AS k(c, i) ON r.collection = k.c AND r.id = k.i',
    ),
    /**
     * A batch in one statement: the final state of each record it touched (upserted or deleted),
     * its changes, the new head. $1 upserts, $2 deletes, $3 changes (jsonb arrays of objects), $4 head.
     */
    writeBatch: statement(
      `WITH up AS (
        INSERT INTO ${n.records} (collection, id, version, created_at, updated_at, data)
        SELECT x.c, x.i, x.v, x.ca, x.ua, x.d FROM jsonb_to_recordset($1::jsonb) AS x(c text, i text, v bigint, ca text, ua text, d jsonb)
        ON CONFLICT (collection, id) DO UPDATE SET version = EXCLUDED.version, created_at = EXCLUDED.created_at,
          updated_at = EXCLUDED.updated_at, data = EXCLUDED.data
      ), gone AS (
        DELETE FROM ${n.records} r USING jsonb_to_recordset($2::jsonb) AS x(c text, i text) WHERE r.collection = x.c AND r.id = x.i
      ), logged AS (
        INSERT INTO ${n.changes} (${changeCols})
        SELECT x.s, x.t, x.c, x.i, x.a, x.v, x.r, x.p, x.ch
        FROM jsonb_to_recordset($3::jsonb) AS x(s bigint, t text, c text, i text, a text, v bigint, r jsonb, p jsonb, ch jsonb)
      )
      UPDATE ${n.logState} SET head = $4 WHERE id = 1`,
    ),
    get: statement(`SELECT collection, id, version, created_at, updated_at, data FROM ${n.records} WHERE collection = $1 AND id = $2`),
    collections: statement(`SELECT collection AS name, count(*) AS count FROM ${n.records} GROUP BY collection ORDER BY collection`),
    changesAll: statement(`SELECT ${changeCols} FROM ${n.changes} WHERE seq > $1 AND seq <= LEAST($2, ${head}) ORDER BY seq LIMIT $3`),
    changesColl: statement(`SELECT ${changeCols} FROM ${n.changes} WHERE collection = $1 AND seq > $2 AND seq <= LEAST($3, ${head}) ORDER BY seq LIMIT $4`),
    changesRec: statement(
      `SELECT ${changeCols} FROM ${n.changes} WHERE collection = $1 AND record_id = $2 AND seq > $3 AND seq <= LEAST($4, ${head}) ORDER BY seq LIMIT $5`,
    ),
    countAll: statement(`SELECT count(*) AS n FROM ${n.changes} WHERE seq > $1 AND seq <= LEAST($2, ${head})`),
    countColl: statement(`SELECT count(*) AS n FROM ${n.changes} WHERE collection = $1 AND seq > $2 AND seq <= LEAST($3, ${head})`),
    countRec: statement(`SELECT count(*) AS n FROM ${n.changes} WHERE collection = $1 AND record_id = $2 AND seq > $3 AND seq <= LEAST($4, ${head})`),
    // min(seq), not the first by ts: a clock stepped back can stamp a later seq earlier (see the SQLite store).
    position: statement(`SELECT head, floor, floor_ts, (SELECT min(seq) FROM ${n.changes} WHERE ts >= $1) AS first FROM ${n.logState} WHERE id = 1`),
    ageCutoff: statement(`SELECT max(seq) AS seq FROM (SELECT seq, ts FROM ${n.changes} WHERE seq > $1 ORDER BY seq LIMIT 100000) s WHERE ts < $2`),
    /** Drops the changes in (floor, $1] and moves the floor, keeping the newest stamp dropped (floor_ts). */
    compactChunk: statement(
      `WITH gone AS (DELETE FROM ${n.changes} WHERE seq > (SELECT floor FROM ${n.logState} WHERE id = 1) AND seq <= $1 RETURNING ts)
      UPDATE ${n.logState} SET floor = GREATEST(floor, $1), floor_ts = GREATEST(floor_ts, (SELECT max(ts) FROM gone))
      WHERE id = 1 RETURNING (SELECT count(*) FROM gone) AS n`,
    ),
    /** A new epoch and floor = head; the whole history goes, so the floor's stamp is the rotation's time. */
    rotate: statement(
      `WITH s AS (UPDATE ${n.logState} SET epoch = $1, floor = head, floor_ts = $2 WHERE id = 1 RETURNING head)
      DELETE FROM ${n.changes} WHERE seq <= (SELECT head FROM s)`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
