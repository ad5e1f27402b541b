import { HubError } from '../../errors.js';
import type { CursorPosition } from '../cursor.js';
import { DATA_FIELD_RE as FIELD_RE, SERVER_COLUMNS as COLUMNS } from '../fields.js';
import type { FilterValue, ListQuery } from '../store.js';
import type { Names } from './names.js';

/**
 * List pages in SQL with the semantics `@livehub/protocol` owns (list-match.ts: `matchesFilter`,
 * `compareValues`), which are SQLite's `json_extract` semantics, rebuilt on jsonb:
 * - a data field is `data #> path` (absent when any step is missing or not an object);
 * - `null` matches JSON null and absent; a boolean matches only that boolean; a number matches
 *   numbers and booleans as 0/1; a string matches that string (and an object or array whose JSON
 *   text it is); server fields compare as text and never match a boolean or null;
 * - order: NULL/absent, then numbers (booleans as 0/1), then text, code-point order (`COLLATE "C"`),
 *   ties by id. A data field orders by three keys (rank, number, text), all non-null, so the
 *   keyset condition after a cursor is one row comparison.
 * Field names are checked with the protocol's grammar and path steps are parameters; nothing a
 * client sends is spliced into SQL.
 */

/** Collects parameters; `add` returns the placeholder. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

type Field = { kind: 'column'; column: string; numeric: boolean } | { kind: 'json'; x: string };

function field(name: string, p: Params): Field {
  const column = COLUMNS[name];
  if (column) return { kind: 'column', column, numeric: column === 'version' };
  if (!FIELD_RE.test(name)) throw new HubError('invalid_query', `Invalid field name '${name}'`);
  return { kind: 'json', x: `(data #> ${p.add(name.split('.'))}::text[])` };
}

/** A JSON number, or a boolean as 0/1 (json_extract's value); NULL for anything else. */
const numberOf = (x: string) =>
  `(CASE jsonb_typeof(${x}) WHEN 'number' THEN ${x}::numeric WHEN 'boolean' THEN (CASE WHEN ${x} = 'true'::jsonb THEN 1 ELSE 0 END) END)`;

function filterSql(name: string, value: FilterValue, p: Params): string {
  const f = field(name, p);
  if (f.kind === 'column') {
    // Server fields are never null, and hold no booleans; the rest compares as text (`id = 3` is id '3').
    if (value === null || typeof value === 'boolean') return 'FALSE';
    return f.numeric ? `${f.column}::text = ${p.add(String(value))}` : `${f.column} = ${p.add(String(value))}`;
  }
  const { x } = f;
  if (value === null) return `(${x} IS NULL OR ${x} = 'null'::jsonb)`;
  if (typeof value === 'boolean') return `${x} = ${p.add(value ? 'true' : 'false')}::jsonb`;
  if (typeof value === 'number') return `${numberOf(x)} = ${p.add(String(value))}::numeric`;
  const asString = `${x} = to_jsonb(${p.add(value)}::text)`;
  // json_extract yields an object or array as its JSON text, which a string filter can equal.
  return isCompactJsonContainer(value) ? `(${asString} OR ${x} = ${p.add(value)}::jsonb)` : asString;
}

function isCompactJsonContainer(s: string): boolean {
  if (!s.startsWith('{') && !s.startsWith('[')) return false;
  try {
    return JSON.stringify(JSON.parse(s)) === s;
  } catch {
    return false;
  }
}

/** The sort keys of a field (before the id tie-break) and how a cursor value becomes their parameters. */
interface OrderKeys {
  sql: string[];
  /** Parameter placeholders of a cursor value, one per key; invalid_cursor if the value cannot be one of this field. */
  at: (value: CursorPosition['value'], p: Params) => string[];
  /** The cursor value of a row, from its `k0…` columns. */
  value: (row: Record<string, unknown>) => CursorPosition['value'];
}

function orderKeys(name: string, p: Params): OrderKeys {
  if (name === 'id') return { sql: [], at: () => [], value: (row) => row.id as string };
  const f = field(name, p);
  if (f.kind === 'column') {
    return {
      sql: [f.column],
      at: (value, q) => {
        if (f.numeric ? typeof value !== 'number' || !Number.isFinite(value) : typeof value !== 'string') throw new HubError('invalid_cursor');
        return [f.numeric ? `${q.add(value)}::bigint` : `${q.add(value)}::text`];
      },
      value: (row) => row.k0 as string | number,
    };
  }
  const { x } = f;
  const rank = `(CASE jsonb_typeof(${x}) WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 WHEN 'string' THEN 2 WHEN 'object' THEN 2 WHEN 'array' THEN 2 ELSE 0 END)`;
  const num = `COALESCE(${numberOf(x)}, 0)`;
  const text = `(CASE WHEN jsonb_typeof(${x}) IN ('string', 'object', 'array') THEN ${x} #>> '{}' ELSE '' END) COLLATE "C"`;
  return {
    sql: [rank, num, text],
    at: (value, q) => {
      if (typeof value === 'number' && !Number.isFinite(value)) throw new HubError('invalid_cursor');
      const [r, n, t] = value === null ? [0, '0', ''] : typeof value === 'number' ? [1, String(value), ''] : [2, '0', value];
      return [`${q.add(r)}::int`, `${q.add(n)}::numeric`, `${q.add(t)}::text`];
    },
    value: (row) => {
      const r = row.k0 as number;
      return r === 0 ? null : r === 1 ? Number(row.k1) : (row.k2 as string);
    },
  };
}

export interface PageSql {
  text: string;
  values: unknown[];
  /** The cursor value of a row of this page. */
  cursorValue: (row: Record<string, unknown>) => CursorPosition['value'];
}

/**
 * One list page (limit + 1 rows, to know whether another follows) and the log head, in one
 * statement, so one snapshot: the head is joined to the page; a page with no rows is one row with
 * the head and NULLs (`id IS NULL`).
 */
export function buildPageSql(n: Names, collection: string, q: ListQuery, after: CursorPosition | undefined): PageSql {
  const p = new Params();
  const where = [`collection = ${p.add(collection)}`];
  for (const [name, value] of Object.entries(q.filters)) where.push(filterSql(name, value, p));
  const keys = orderKeys(q.order.field, p);
  const dir = q.order.dir === 'asc' ? 'ASC' : 'DESC';
  if (after) {
    const at = [...keys.at(after.value, p), `${p.add(after.id)}::text`];
    where.push(`(${[...keys.sql, 'id'].join(', ')}) ${dir === 'ASC' ? '>' : '<'} (${at.join(', ')})`);
  }
  const keyCols = keys.sql.map((k, i) => `, ${k} AS k${i}`).join('');
  const inner = (prefix: string) => [...keys.sql.map((_, i) => `${prefix}k${i} ${dir}`), `${prefix}id ${dir}`].join(', ');
  const text =
    `SELECT s.head, p.* FROM ${n.logState} s LEFT JOIN LATERAL (` +
    `SELECT collection, id, version, created_at, updated_at, data${keyCols} FROM ${n.records} ` +
    `WHERE ${where.join(' AND ')} ORDER BY ${inner('')} LIMIT ${p.add(q.limit + 1)}` +
    `) p ON true WHERE s.id = 1 ORDER BY ${inner('p.')}`;
  return { text, values: p.values, cursorValue: keys.value };
}
