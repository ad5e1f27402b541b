import type { RecordAction } from '@livehub/protocol';
import { mergePatch, withoutServerFields } from '@livehub/protocol';
import { HubError } from '../../errors.js';
import type { JsonObject } from '../../config/collection-config.js';
import { changedFields } from '../changed-fields.js';
import type { Change, Mutation, StoredRecord } from '../store.js';
import { pack, rowToRecord } from './rows.js';
import type { Statements } from './statements.js';

/** A replace's data: `data`, plus each of `keep` that `current` has and `data` does not carry. */
function replaced(current: JsonObject, data: JsonObject, keep: readonly string[] = []): JsonObject {
  const out = { ...data };
  for (const f of keep) if (!Object.hasOwn(data, f) && Object.hasOwn(current, f)) out[f] = current[f];
  return out;
}

/**
 * One mutation; must run inside a write transaction: the record write, the head's next seq and the
 * change append commit together or not at all. Throws HubError (already_exists, not_found,
 * version_conflict) or what `prepare` throws, having written nothing the caller's rollback keeps.
 */
export function applyMutation(stmt: Statements, m: Mutation): Change {
  const row = stmt.get.get(m.collection, m.id);
  const current = row ? rowToRecord(row) : undefined;
  const now = new Date().toISOString();
  let next: StoredRecord;
  let action: RecordAction;
  let version: number;

  if (m.op === 'create') {
    if (current) throw new HubError('already_exists', `Record '${m.id}' already exists in '${m.collection}'`);
    const data = m.prepare(withoutServerFields(m.data));
    next = { collection: m.collection, id: m.id, version: 1, createdAt: now, updatedAt: now, data };
    m.guard?.(undefined, next);
    stmt.insert.run(m.collection, m.id, 1, now, now, JSON.stringify(data));
    action = 'created';
    version = 1;
  } else {
    if (!current || (m.visible && !m.visible(current))) throw new HubError('not_found', `No record '${m.id}' in '${m.collection}'`);
    if (m.ifVersion !== undefined && m.ifVersion !== current.version) {
      throw new HubError('version_conflict', `Record '${m.id}' is at version ${current.version}, not ${m.ifVersion}`);
    }
    version = current.version + 1;
    if (m.op === 'delete') {
      m.guard?.(current, undefined);
      stmt.remove.run(m.collection, m.id);
      next = current;
      action = 'deleted';
    } else {
      const proposed =
        m.op === 'replace' ? replaced(current.data, withoutServerFields(m.data), m.keepFields) : mergePatch(current.data, withoutServerFields(m.patch));
      const data = m.prepare(proposed);
      next = { ...current, version, updatedAt: now, data };
      m.guard?.(current, next);
      stmt.update.run(version, now, JSON.stringify(data), m.collection, m.id);
      action = 'updated';
    }
  }

  const seq = stmt.nextSeq.get()!.head;
  const changed = action === 'deleted' ? [] : changedFields(current?.data, next.data);
  const previous = m.keepPrevious && current ? current : undefined;
  stmt.appendChange.run(seq, now, m.collection, m.id, action, version, pack(next), previous ? pack(previous) : null, JSON.stringify(changed));
  const change: Change = { seq, ts: now, collection: m.collection, id: m.id, action, version, record: next, changed };
  if (previous) change.previous = previous;
  return change;
}
