import { changedFields } from '../changed-fields.js';
import { nextRecord } from '../next-record.js';
import type { Change, Mutation } from '../store.js';
import { pack, rowToRecord } from './rows.js';
import type { Statements } from './statements.js';

/**
 * One mutation; must run inside a write transaction: the record write, the head's next seq and the
 * change append commit together or not at all. Throws HubError (already_exists, not_found,
 * version_conflict) or what `prepare` or `guard` throw, having written nothing the caller's rollback keeps.
 */
export function applyMutation(stmt: Statements, m: Mutation): Change {
  const row = stmt.get.get(m.collection, m.id);
  const current = row ? rowToRecord(row) : undefined;
  const now = new Date().toISOString();
  const { next, action } = nextRecord(m, current, now);
  const version = action === 'created' ? 1 : current!.version + 1;
  if (action === 'created') stmt.insert.run(m.collection, m.id, 1, now, now, JSON.stringify(next.data));
  else if (action === 'deleted') stmt.remove.run(m.collection, m.id);
  else stmt.update.run(version, now, JSON.stringify(next.data), m.collection, m.id);

  const seq = stmt.nextSeq.get()!.head;
  const changed = action === 'deleted' ? [] : changedFields(current?.data, next.data);
  const previous = m.keepPrevious && current ? current : undefined;
  stmt.appendChange.run(seq, now, m.collection, m.id, action, version, pack(next), previous ? pack(previous) : null, JSON.stringify(changed));
  const change: Change = { seq, ts: now, collection: m.collection, id: m.id, action, version, record: next, changed };
  if (previous) change.previous = previous;
  return change;
}
