import { HubError } from '../errors.js';
import { isValidField } from '../store/fields.js';
import type { FilterValue, ListQuery } from '../store/store.js';

// `token` and `clientId` are credentials and identity (browsers put them in the query), never filters.
const RESERVED = new Set(['limit', 'cursor', 'order', 'token', 'clientId']);

/**
 * A filter value is read as a JSON scalar when it is one (`42`, `true`, `null`, `"42"`), else as
 * a string: `?status=idle` matches "idle", `?count=3` matches the number 3, `?code="3"` the string.
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

/** `?limit=&cursor=&order=[-]field&<field>=<value>…` → ListQuery. */
export function parseListQuery(query: Record<string, unknown>, limits: { default: number; max: number }): ListQuery {
  const one = (key: string): string | undefined => {
    const v = query[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new HubError('invalid_query', `'${key}' may be given once`);
    return v;
  };
  const limitRaw = one('limit');
  const limit = limitRaw === undefined ? limits.default : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.max) {
    throw new HubError('invalid_query', `limit must be an integer from 1 to ${limits.max}`);
  }
  const orderRaw = one('order') ?? 'createdAt';
  const desc = orderRaw.startsWith('-');
  const field = desc ? orderRaw.slice(1) : orderRaw;
  if (!isValidField(field)) throw new HubError('invalid_query', `Cannot order by '${field}'`);
  const filters: Record<string, FilterValue> = {};
  for (const key of Object.keys(query)) {
    if (RESERVED.has(key)) continue;
    if (!isValidField(key)) throw new HubError('invalid_query', `Invalid filter field '${key}'`);
    filters[key] = parseFilterValue(one(key)!);
  }
  const q: ListQuery = { filters, order: { field, dir: desc ? 'desc' : 'asc' }, limit };
  const cursor = one('cursor');
  if (cursor !== undefined) q.cursor = cursor;
  return q;
}
