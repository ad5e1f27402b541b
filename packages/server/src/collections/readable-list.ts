import { isServerField, matchesFilter, type FilterValue } from '@livehub/protocol';
import type { RecordPredicate } from '../authz/bind-rule.js';
import type { ListPage, ListQuery, Store } from '../store/store.js';
import type { CursorSeal } from './cursor-seal.js';

/**
 * A record that holds only `value` at `field`. A dotted data path nests (`meta.owner` is
 * `{ meta: { owner } }`): a flat `{ 'meta.owner': v }` has no such path, so it would match no
 * filter, and a reader filtering on its own rule's field got an empty list.
 */
function holding(field: string, value: FilterValue): Record<string, unknown> {
  if (isServerField(field)) return { [field]: value };
  const parts = field.split('.');
  // No prototypes: a path segment named `__proto__` is a field like any other.
  const root = Object.create(null) as Record<string, unknown>;
  let at = root;
  for (const part of parts.slice(0, -1)) at = at[part] = Object.create(null) as Record<string, unknown>;
  at[parts[parts.length - 1]!] = value;
  return root;
}

/** Store pages one filtered list request may read before it answers with what it has (and a cursor). */
const MAX_PAGES_SCANNED = 10;

/**
 * A list page of only the records a read rule admits. The rule's implied equalities (`owner =
 * 'alice'`) become SQL filters, so the common per-owner rule reads that owner's rows only; what
 * the rule says beyond them is checked here, page after page. A page may hold fewer than `limit`
 * items and still carry `nextCursor` (the position after the last row read): cursors page on.
 * When that last row is one the reader may not see, the cursor is sealed (cursor-seal.ts): it
 * would otherwise carry that row's id and order value.
 */
export async function listReadable(store: Store, collection: string, query: ListQuery, rule: RecordPredicate, seal: CursorSeal): Promise<ListPage> {
  if (query.cursor !== undefined && seal.isSealed(query.cursor)) query = { ...query, cursor: await seal.open(query.cursor) };
  const filters = Object.assign(Object.create(null) as ListQuery['filters'], query.filters);
  for (const [field, value] of Object.entries(rule.eq ?? {})) {
    if (Object.hasOwn(filters, field)) {
      // The query asks for another value than the rule allows: nothing matches both.
      if (!matchesFilter(holding(field, value), field, filters[field]!)) return { items: [], seq: (await store.bounds()).head };
      continue;
    }
    filters[field] = value;
  }
  let page = await store.list(collection, { ...query, filters });
  // The first read's head: events after it are replayed onto the page, whichever later read took a row.
  const seq = page.seq;
  const items: typeof page.items = [];
  let lastReadable = true;
  const take = (rows: typeof page.items) => {
    for (const r of rows) if ((lastReadable = rule.test(r))) items.push(r);
  };
  take(page.items);
  for (let scanned = 1; items.length < query.limit && page.nextCursor !== undefined && scanned < MAX_PAGES_SCANNED; scanned++) {
    page = await store.list(collection, { ...query, filters, cursor: page.nextCursor, limit: query.limit - items.length });
    take(page.items);
  }
  const out: ListPage = { items, seq };
  if (page.nextCursor !== undefined) out.nextCursor = lastReadable ? page.nextCursor : await seal.seal(page.nextCursor);
  return out;
}
