import { createHash } from 'node:crypto';
import { HubError } from '../errors.js';
import type { ListQuery } from './store.js';

/** Position after the last item of a page: its order value and id, bound to the query's shape. */
export interface CursorPosition {
  value: string | number | null;
  id: string;
}

/** Fingerprint of filters and order, so a cursor cannot be replayed against another query. */
function queryKey(collection: string, q: ListQuery): string {
  const filters = Object.keys(q.filters)
    .sort()
    .map((k) => [k, q.filters[k]]);
  return createHash('sha256')
    .update(JSON.stringify([collection, filters, q.order.field, q.order.dir]))
    .digest('base64url')
    .slice(0, 10);
}

export function encodeCursor(collection: string, q: ListQuery, pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([queryKey(collection, q), pos.value, pos.id])).toString('base64url');
}

export function decodeCursor(collection: string, q: ListQuery, cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HubError('invalid_cursor');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== queryKey(collection, q) || typeof parsed[2] !== 'string') {
    throw new HubError('invalid_cursor');
  }
  const value: unknown = parsed[1];
  if (value !== null && typeof value !== 'string' && typeof value !== 'number') throw new HubError('invalid_cursor');
  return { value, id: parsed[2] };
}
