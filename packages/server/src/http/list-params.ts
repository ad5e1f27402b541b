import { LIST_RESERVED_PARAMS, isListField, parseFilterValue, parseOrder, type FilterValue } from '@livehub/protocol';
import { HubError } from '../errors.js';
import type { ListQuery } from '../store/store.js';

const RESERVED = new Set(LIST_RESERVED_PARAMS);

/** `?limit=&cursor=&order=[-]field&<field>=<value>…` → ListQuery; the typing and field rules are the protocol's (`list-match.ts`). */
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
  const order = parseOrder(one('order'));
  if (!isListField(order.field)) throw new HubError('invalid_query', `Cannot order by '${order.field}'`);
  // No prototype: a filter named `__proto__` or `constructor` is a field like any other.
  const filters = Object.create(null) as Record<string, FilterValue>;
  for (const key of Object.keys(query)) {
    if (RESERVED.has(key)) continue;
    if (!isListField(key)) throw new HubError('invalid_query', `Invalid filter field '${key}'`);
    filters[key] = parseFilterValue(one(key)!);
  }
  const q: ListQuery = { filters, order: { field: order.field, dir: order.desc ? 'desc' : 'asc' }, limit };
  const cursor = one('cursor');
  if (cursor !== undefined) q.cursor = cursor;
  return q;
}
