import type { RecordAction } from './names.js';

/** Fields the hub owns on every record; writes that carry them have them ignored. */
export const SERVER_FIELDS = ['id', 'version', 'createdAt', 'updatedAt'] as const;

/** A stored record as every API returns it: the app's fields plus the server-owned ones. */
export type LiveRecord<T extends object = Record<string, unknown>> = T & {
  id: string;
  /** Starts at 1, +1 per write. */
  version: number;
  /** ISO-8601 UTC. */
  createdAt: string;
  updatedAt: string;
};

/** How much of a record a change event carries, per collection. */
export type PayloadMode = 'ids' | 'full' | 'diff';

/** `data` of a durable record event. Which optional fields are present depends on the payload mode. */
export interface RecordChangeData<T extends object = Record<string, unknown>> {
  id: string;
  collection: string;
  action: RecordAction;
  version: number;
  /** The record after the change (`full`, `diff`); for `deleted`, the record as it was. */
  record?: LiveRecord<T>;
  /** The record before the change (`diff`, on update and delete). */
  previous?: LiveRecord<T>;
  /** Top-level fields whose value changed (`diff`; on create, every field). */
  changed?: string[];
}

/** `GET /api/c/:collection` response. */
export interface ListResponse<T extends object = Record<string, unknown>> {
  items: LiveRecord<T>[];
  /** Opaque; pass as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string;
  /** Change-log head the page was read at: subscribe with `since: seq` to follow it without a gap. */
  seq: number;
  epoch: string;
}
