import type { RecordAction } from '@livehub/protocol';
import type { JsonObject } from '../../config/collection-config.js';
import type { Change, StoredRecord } from '../store.js';

/** The one row of `log_state`. */
export interface LogState {
  epoch: string;
  head: number;
  floor: number;
  /** Newest commit stamp among the changes dropped (compaction, epoch rotation); null if none was. */
  floor_ts: string | null;
}

/** A row of `records`. */
export interface RecordRow {
  collection: string;
  id: string;
  version: number;
  created_at: string;
  updated_at: string;
  data: string;
}

/** A row of a list page: a record plus the value it is ordered by (the cursor's key). */
export type ListRow = RecordRow & { ord: string | number | null };

/** A row of `changes`. */
export interface ChangeRow {
  seq: number;
  ts: string;
  collection: string;
  record_id: string;
  action: RecordAction;
  version: number;
  record: string;
  previous: string | null;
  changed: string;
}

/** Compact JSON of a record inside a change row; collection and id live in their own columns. */
interface PackedRecord {
  v: number;
  c: string;
  u: string;
  d: JsonObject;
}

export const pack = (r: StoredRecord): string => JSON.stringify({ v: r.version, c: r.createdAt, u: r.updatedAt, d: r.data } satisfies PackedRecord);

function unpack(collection: string, id: string, json: string): StoredRecord {
  const p = JSON.parse(json) as PackedRecord;
  return { collection, id, version: p.v, createdAt: p.c, updatedAt: p.u, data: p.d };
}

export function rowToRecord(r: RecordRow): StoredRecord {
  return { collection: r.collection, id: r.id, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at, data: JSON.parse(r.data) as JsonObject };
}

export function rowToChange(r: ChangeRow): Change {
  const change: Change = {
    seq: r.seq,
    ts: r.ts,
    collection: r.collection,
    id: r.record_id,
    action: r.action,
    version: r.version,
    record: unpack(r.collection, r.record_id, r.record),
    changed: JSON.parse(r.changed) as string[],
  };
  if (r.previous !== null) change.previous = unpack(r.collection, r.record_id, r.previous);
  return change;
}
