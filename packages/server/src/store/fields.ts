/** Server-owned record fields and the columns they live in. */
export const SERVER_COLUMNS: Readonly<Record<string, string>> = { id: 'id', version: 'version', createdAt: 'created_at', updatedAt: 'updated_at' };

/** Data fields usable in filters and order: identifiers, dotted up to four deep. */
export const DATA_FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,3}$/;

export function isValidField(field: string): boolean {
  return Object.hasOwn(SERVER_COLUMNS, field) || DATA_FIELD_RE.test(field);
}
