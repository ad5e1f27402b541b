import type { RecordAction } from '@livehub/protocol';
import type { JsonObject } from '../../config/collection-config.js';
import type { Change, StoredRecord } from '../store.js';

/** A row of `records`; pg parses jsonb, and int8 through the pool's type parser (see open-database). */
export interface RecordRow {
  collection: string;
  id: string;
  version: number;
  created_at: string;
  updated_at: string;
  data: JsonObject;
}

/** A record inside a change row, as the SQLite store packs it; collection and id have their own columns. */
export interface PackedRecord {
  v: number;
  c: string;
  u: string;
  d: JsonObject;
}

/** A row of `changes`. */
export interface ChangeRow {
  seq: number;
  ts: string;
  collection: string;
  record_id: string;
  action: RecordAction;
  version: number;
  record: PackedRecord;
  previous: PackedRecord | null;
  changed: string[];
}

/** The packed JSON of a record whose data is already JSON text (`dataText`): the data is not encoded twice. */
export const packText = (r: StoredRecord, dataText: string): string =>
  `{"v":${r.version},"c":${JSON.stringify(r.createdAt)},"u":${JSON.stringify(r.updatedAt)},"d":${dataText}}`;

const unpack = (collection: string, id: string, p: PackedRecord): StoredRecord => ({ collection, id, version: p.v, createdAt: p.c, updatedAt: p.u, data: p.d });

export function rowToRecord(r: RecordRow): StoredRecord {
  return { collection: r.collection, id: r.id, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at, data: r.data };
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
    changed: r.changed,
  };
  if (r.previous !== null) change.previous = unpack(r.collection, r.record_id, r.previous);
  return change;
}
