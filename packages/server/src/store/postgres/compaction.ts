import type pg from 'pg';
import type { RetentionPolicy } from '../store.js';
import { LOCK_CLASS } from './advisory-locks.js';
import { bind, type Statements } from './statements.js';

/** Changes deleted per transaction: small, so a large compaction never holds the head row for long. */
const CHUNK = 10_000;

/**
 * Drops the changes beyond `policy` (by count or by age, whichever drops more), never above
 * `keepAfter` or the head, raising the floor as it goes. One node at a time: each chunk's
 * transaction first takes the schema's compaction lock with `pg_try_advisory_xact_lock`; a node
 * that finds it taken stops (the other node is doing the work) and returns what it dropped so far.
 */
export async function compactLog(pool: pg.Pool, stmt: Statements, lockKey: number, policy: RetentionPolicy, keepAfter: number): Promise<number> {
  const { head, floor } = (await pool.query<{ head: number; floor: number }>(bind(stmt.state, []))).rows[0]!;
  const byCount = head - policy.maxChanges;
  const byAge =
    (await pool.query<{ seq: number | null }>(bind(stmt.ageCutoff, [floor, new Date(Date.now() - policy.maxAgeMs).toISOString()]))).rows[0]?.seq ?? 0;
  const cutoff = Math.min(Math.max(byCount, byAge), keepAfter, head);
  let dropped = 0;
  for (let at = floor; at < cutoff;) {
    const upTo = Math.min(at + CHUNK, cutoff);
    const n = await chunk(pool, stmt, lockKey, upTo);
    if (n === undefined) break;
    dropped += n;
    at = upTo;
  }
  return dropped;
}

/** One chunk in its own transaction; undefined when another node holds the compaction lock. */
async function chunk(pool: pg.Pool, stmt: Statements, lockKey: number, upTo: number): Promise<number | undefined> {
  const client = await pool.connect();
  let n: number | undefined;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS ok', [LOCK_CLASS.compact, lockKey]);
    if (rows[0]!.ok) n = (await client.query<{ n: number }>(bind(stmt.compactChunk, [upTo]))).rows[0]!.n;
    await client.query(n === undefined ? 'ROLLBACK' : 'COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw err;
  }
  client.release();
  return n;
}
