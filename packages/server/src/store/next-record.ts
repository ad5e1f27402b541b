import { mergePatch, withoutServerFields, type RecordAction } from '@livehub/protocol';
import type { JsonObject } from '../config/collection-config.js';
import { HubError } from '../errors.js';
import type { Mutation, StoredRecord } from './store.js';

/** A replace's data: `data`, plus each of `keep` that `current` has and `data` does not carry. */
function replaced(current: JsonObject, data: JsonObject, keep: readonly string[] = []): JsonObject {
  const out = { ...data };
  for (const f of keep) if (!Object.hasOwn(data, f) && Object.hasOwn(current, f)) out[f] = current[f];
  return out;
}

/**
 * What a mutation makes of the record as it is, the same in every store: the record after it (for
 * a delete, the record as it was) and the change's action. Runs inside the store's write
 * transaction before anything is written; throws HubError (already_exists, not_found,
 * version_conflict) or what `prepare` and `guard` throw.
 */
export function nextRecord(m: Mutation, current: StoredRecord | undefined, now: string): { next: StoredRecord; action: RecordAction } {
  if (m.op === 'create') {
    if (current) throw new HubError('already_exists', `Record '${m.id}' already exists in '${m.collection}'`);
    const data = m.prepare(withoutServerFields(m.data));
    const next: StoredRecord = { collection: m.collection, id: m.id, version: 1, createdAt: now, updatedAt: now, data };
    m.guard?.(undefined, next);
    return { next, action: 'created' };
  }
  // Not visible reads as absent, before the version check that would tell it exists.
  if (!current || (m.visible && !m.visible(current))) throw new HubError('not_found', `No record '${m.id}' in '${m.collection}'`);
  if (m.ifVersion !== undefined && m.ifVersion !== current.version) {
    throw new HubError('version_conflict', `Record '${m.id}' is at version ${current.version}, not ${m.ifVersion}`);
  }
  if (m.op === 'delete') {
    m.guard?.(current, undefined);
    return { next: current, action: 'deleted' };
  }
  const proposed =
    m.op === 'replace' ? replaced(current.data, withoutServerFields(m.data), m.keepFields) : mergePatch(current.data, withoutServerFields(m.patch));
  const next: StoredRecord = { ...current, version: current.version + 1, updatedAt: now, data: m.prepare(proposed) };
  m.guard?.(current, next);
  return { next, action: 'updated' };
}
