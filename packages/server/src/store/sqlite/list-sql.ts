import { HubError } from '../../errors.js';
import type { CursorPosition } from '../cursor.js';
import type { FilterValue, ListQuery } from '../store.js';

import { DATA_FIELD_RE as FIELD_RE, SERVER_COLUMNS as COLUMNS } from '../fields.js';

/** SQL expression for a field plus its bound parameters. Field names are checked, never spliced raw. */
function fieldExpr(field: string): { sql: string; params: unknown[] } {
  const column = COLUMNS[field];
  if (column) return { sql: column, params: [] };
  if (!FIELD_RE.test(field)) throw new HubError('invalid_query', `Invalid field name '${field}'`);
  const path =
    '$' +
    field
      .split('.')
      .map((p) => `."${p}"`)
      .join('');
  return { sql: 'json_extract(data, ?)', params: [path] };
}

function filterSql(field: string, value: FilterValue): { sql: string; params: unknown[] } {
  const e = fieldExpr(field);
  if (value === null) return { sql: `${e.sql} IS NULL`, params: e.params };
  if (typeof value === 'boolean') {
    // json_extract turns true into 1; json_type keeps a boolean from matching the number 1.
    if (COLUMNS[field]) return { sql: '0', params: [] };
    return { sql: `json_type(data, ?) = ?`, params: [e.params[0], value ? 'true' : 'false'] };
  }
  return { sql: `${e.sql} = ?`, params: [...e.params, value] };
}

/** Keyset condition "strictly after the cursor" in (value, id) order; SQLite sorts NULL first. */
function afterSql(ord: { sql: string; params: unknown[] }, dir: 'asc' | 'desc', pos: CursorPosition): { sql: string; params: unknown[] } {
  const p = ord.params;
  if (dir === 'asc') {
    if (pos.value === null) return { sql: `((${ord.sql} IS NULL AND id > ?) OR ${ord.sql} IS NOT NULL)`, params: [...p, pos.id, ...p] };
    return { sql: `(${ord.sql} > ? OR (${ord.sql} = ? AND id > ?))`, params: [...p, pos.value, ...p, pos.value, pos.id] };
  }
  if (pos.value === null) return { sql: `(${ord.sql} IS NULL AND id < ?)`, params: [...p, pos.id] };
  return { sql: `(${ord.sql} < ? OR (${ord.sql} = ? AND id < ?) OR ${ord.sql} IS NULL)`, params: [...p, pos.value, ...p, pos.value, pos.id, ...p] };
}

/** The SELECT of one list page (limit + 1 rows, to know whether another page follows). */
export function buildListSql(collection: string, q: ListQuery, after: CursorPosition | undefined): { sql: string; params: unknown[] } {
  const ord = fieldExpr(q.order.field);
  const where: string[] = ['collection = ?'];
  const params: unknown[] = [collection];
  for (const [field, value] of Object.entries(q.filters)) {
    const f = filterSql(field, value);
    where.push(f.sql);
    params.push(...f.params);
  }
  if (after) {
    const a = afterSql(ord, q.order.dir, after);
    where.push(a.sql);
    params.push(...a.params);
  }
  const dir = q.order.dir === 'asc' ? 'ASC' : 'DESC';
  const sql =
    `SELECT collection, id, version, created_at, updated_at, data, ${ord.sql} AS ord FROM records ` +
    `WHERE ${where.join(' AND ')} ORDER BY ord ${dir}, id ${dir} LIMIT ?`;
  return { sql, params: [...ord.params, ...params, q.limit + 1] };
}
