import type { FilterValue } from '@livehub/client';

/**
 * The hub's list semantics, replayed in the browser so a change event can be placed in a cached
 * page without asking the hub: equality filters (the JSON-scalar rule of `GET /api/c/:collection`)
 * and SQLite's ordering (`ORDER BY value, id`). Kept in step with
 * `packages/server/src/store/sqlite/list-sql.ts`.
 */

/** Server-owned fields are columns; every other field is read from the record's JSON. */
const SERVER_FIELDS = new Set(['id', 'version', 'createdAt', 'updatedAt']);

/** A record field by dotted path (`meta.owner`); undefined when any step is missing. */
export function fieldValue(record: Record<string, unknown>, field: string): unknown {
  if (SERVER_FIELDS.has(field)) return record[field];
  let v: unknown = record;
  for (const part of field.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** What SQLite's `json_extract` yields: booleans become 0/1, objects and arrays their JSON text. */
function sqlValue(v: unknown): null | number | string {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** One equality filter, as the hub evaluates it. */
export function matchesFilter(record: Record<string, unknown>, field: string, filter: FilterValue): boolean {
  const raw = fieldValue(record, field);
  if (filter === null) return raw === undefined || raw === null;
  if (SERVER_FIELDS.has(field)) {
    // Columns have type affinity: `version = '3'` and `id = 3` compare as the column's type; booleans match nothing.
    if (typeof filter === 'boolean' || raw === undefined || raw === null) return false;
    return String(raw) === String(filter);
  }
  // A boolean filter checks the JSON type, so `true` never matches the number 1.
  if (typeof filter === 'boolean') return raw === filter;
  // Numbers and strings compare with json_extract's value and type (true is 1 there).
  return sqlValue(raw) === filter;
}

/** Every filter of a list, AND-ed. */
export function matchesWhere(record: Record<string, unknown>, where: Record<string, FilterValue> | undefined): boolean {
  if (!where) return true;
  for (const [field, value] of Object.entries(where)) if (!matchesFilter(record, field, value)) return false;
  return true;
}

/** SQLite's BINARY collation: UTF-8 byte order, which is code-point order (not UTF-16 unit order). */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** SQLite's order of values: NULL, then numbers, then text. */
function compareSql(a: null | number | string, b: null | number | string): number {
  const rank = (v: null | number | string) => (v === null ? 0 : typeof v === 'number' ? 1 : 2);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1) return (a as number) - (b as number);
  return compareText(a as string, b as string);
}

export interface ListOrder {
  field: string;
  desc: boolean;
}

/** `'-updatedAt'` → `{ field: 'updatedAt', desc: true }`; the hub's default is `createdAt` ascending. */
export function parseOrder(order: string | undefined): ListOrder {
  const o = order ?? 'createdAt';
  return o.startsWith('-') ? { field: o.slice(1), desc: true } : { field: o, desc: false };
}

/** `ORDER BY value dir, id dir`: ties broken by id in the same direction. */
export function compareRecords(a: Record<string, unknown>, b: Record<string, unknown>, order: ListOrder): number {
  let c = compareSql(sqlValue(fieldValue(a, order.field)), sqlValue(fieldValue(b, order.field)));
  if (c === 0) c = compareText(String(a.id), String(b.id));
  return order.desc ? -c : c;
}
