import { isServerField } from './records.js';

/**
 * The list semantics of `GET /api/c/:collection`, in one place: which query keys are filters, how
 * a filter value is typed, which fields may be named, how a record matches a filter and how
 * values order. The hub parses list queries with it and evaluates them in SQL
 * (`packages/server/src/store/sqlite/list-sql.ts`, which must agree with `matchesFilter` and
 * `compareRecords`); the React package replays it in the browser to place a change event in a
 * cached page without asking the hub.
 */

/** An equality filter value, after the JSON-scalar rule (`parseFilterValue`). */
export type FilterValue = string | number | boolean | null;

/**
 * Query keys of a list that are never filters: paging and order, and the credentials and identity
 * browsers must put in the query (`token`, `clientId`).
 */
/**
 * Page size of a list read without `limit` (the hub's `listLimit.default`, unless configured):
 * a live cache that replays changes into a page must not grow it past what a read returns.
 */
export const DEFAULT_LIST_LIMIT = 50;

export const LIST_RESERVED_PARAMS: readonly string[] = ['limit', 'cursor', 'order', 'token', 'clientId'];

/** Data fields usable in filters and order: identifiers, dotted up to four deep (`meta.owner`). */
export const DATA_FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,3}$/;

/** A field a list may filter or order by: a server-owned field or a data field path. */
export function isListField(field: string): boolean {
  return isServerField(field) || DATA_FIELD_RE.test(field);
}

/**
 * The JSON-scalar rule: a query-string value is read as a JSON scalar when it is one (`42`, `true`,
 * `null`, `"42"`), else as a string. `?status=idle` matches "idle", `?count=3` the number 3,
 * `?code="3"` the string "3".
 */
export function parseFilterValue(raw: string): FilterValue {
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  } catch {
    // not JSON: a plain string
  }
  return raw;
}

/** The inverse of `parseFilterValue`: strings that would read as another scalar are sent quoted. */
export function encodeFilterValue(v: FilterValue): string {
  if (typeof v !== 'string') return v === null ? 'null' : String(v);
  try {
    const parsed: unknown = JSON.parse(v);
    return parsed === null || typeof parsed !== 'object' ? JSON.stringify(v) : v;
  } catch {
    return v;
  }
}

/** A record field by dotted path (`meta.owner`); undefined when any step is missing. Server fields are top-level. */
export function fieldValue(record: Record<string, unknown>, field: string): unknown {
  if (isServerField(field)) return record[field];
  let v: unknown = record;
  for (const part of field.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
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

/** One equality filter, as the hub evaluates it. `null` matches null and absent fields. */
export function matchesFilter(record: Record<string, unknown>, field: string, filter: FilterValue): boolean {
  const raw = fieldValue(record, field);
  if (filter === null) return raw === undefined || raw === null;
  if (isServerField(field)) {
    // Server fields hold strings and numbers, in columns with type affinity: `version = '3'` and `id = 3`
    // compare as the column's type; booleans match nothing.
    if (typeof filter === 'boolean' || (typeof raw !== 'string' && typeof raw !== 'number')) return false;
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
  for (let i = 0; i < n;) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** SQLite's order of values: NULL (and absent), then numbers (booleans as 0/1), then text. */
export function compareValues(a: unknown, b: unknown): number {
  const x = sqlValue(a);
  const y = sqlValue(b);
  const rank = (v: null | number | string) => (v === null ? 0 : typeof v === 'number' ? 1 : 2);
  const ra = rank(x);
  const rb = rank(y);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1) return (x as number) - (y as number);
  return compareText(x as string, y as string);
}

export interface ListOrder {
  field: string;
  desc: boolean;
}

/** The hub's default list order: `createdAt` ascending. */
export const DEFAULT_LIST_ORDER = 'createdAt';

/** `'-updatedAt'` → `{ field: 'updatedAt', desc: true }`; absent means `createdAt` ascending. The field is not checked (see `isListField`). */
export function parseOrder(order: string | undefined): ListOrder {
  const o = order ?? DEFAULT_LIST_ORDER;
  return o.startsWith('-') ? { field: o.slice(1), desc: true } : { field: o, desc: false };
}

/** `ORDER BY value dir, id dir`: ties broken by id in the same direction. */
export function compareRecords(a: Record<string, unknown>, b: Record<string, unknown>, order: ListOrder): number {
  let c = compareValues(fieldValue(a, order.field), fieldValue(b, order.field));
  if (c === 0) c = compareText(String(a.id), String(b.id));
  return order.desc ? -c : c;
}
