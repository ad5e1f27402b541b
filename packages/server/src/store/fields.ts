import { DATA_FIELD_RE, SERVER_FIELDS } from '@livehub/protocol';

/**
 * The SQL columns of the server-owned record fields: the store's own concern. Which fields a list
 * may name, how a filter value is typed and how values order is `@livehub/protocol`'s
 * (`list-match.ts`); `list-sql.ts` must evaluate it the same way.
 *
 * A null-prototype object, so a data field named like an `Object.prototype` member
 * (`?constructor=1`, `order=toString`) is not mistaken for a column.
 */
export const SERVER_COLUMNS: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, { id: 'id', version: 'version', createdAt: 'created_at', updatedAt: 'updated_at' }),
);

// Every server-owned field has a column: a field added to the protocol without one fails at load.
for (const f of SERVER_FIELDS) if (SERVER_COLUMNS[f] === undefined) throw new Error(`No column for server field '${f}'`);

// list-sql.ts checks data field names with the protocol's grammar.
export { DATA_FIELD_RE };
