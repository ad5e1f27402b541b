import type { RecordAction } from './names.js';

/** Fields the hub owns on every record; writes that carry them have them ignored. */
export const SERVER_FIELDS = ['id', 'version', 'createdAt', 'updatedAt'] as const;
export type ServerField = (typeof SERVER_FIELDS)[number];

export function isServerField(field: string): field is ServerField {
  return (SERVER_FIELDS as readonly string[]).includes(field);
}

/** A write body as the hub stores it: the same object without the server-owned fields (a copy; the input is not changed). */
export function withoutServerFields<T extends object>(data: T): Omit<T, ServerField> {
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const f of SERVER_FIELDS) delete out[f];
  return out as Omit<T, ServerField>;
}

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
