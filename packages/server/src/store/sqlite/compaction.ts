import type Database from 'better-sqlite3';
import type { RetentionPolicy } from '../store.js';
import type { Statements } from './statements.js';

/** Changes deleted per transaction: small, so a large compaction never holds the write lock for long. */
const CHUNK = 10_000;

/**
 * Drops the changes beyond `policy` (by count or by age, whichever drops more), never above
 * `keepAfter` or the head, raising the floor as it goes. Returns the number dropped.
 */
export function compactLog(db: Database.Database, stmt: Statements, policy: RetentionPolicy, keepAfter: number): number {
  const { head, floor } = stmt.state.get()!;
  const byCount = head - policy.maxChanges;
  const byAge = stmt.ageCutoff.get(floor, new Date(Date.now() - policy.maxAgeMs).toISOString())?.seq ?? 0;
  const cutoff = Math.min(Math.max(byCount, byAge), keepAfter, head);
  let dropped = 0;
  for (let at = floor; at < cutoff;) {
    const upTo = Math.min(at + CHUNK, cutoff);
    dropped += db
      .transaction(() => {
        stmt.setFloor.run({ floor: upTo });
        return stmt.deleteUpTo.run(upTo).changes;
      })
      .immediate();
    at = upTo;
  }
  return dropped;
}
