/**
 * Where the store's tables live: one schema (default `public`), every name quoted and qualified,
 * so the SQL never depends on a connection's `search_path`.
 */
export interface Names {
  schema: string;
  records: string;
  changes: string;
  logState: string;
  schemaVersion: string;
}

/** Lowercase identifiers only: no quoting rules to get wrong, and `\dn` shows them as written. */
export const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export function tableNames(schema: string): Names {
  if (!SCHEMA_RE.test(schema)) throw new TypeError(`Invalid PostgreSQL schema name '${schema}' (lowercase letters, digits and _, at most 63)`);
  const q = (table: string) => `"${schema}"."${table}"`;
  return { schema, records: q('records'), changes: q('changes'), logState: q('log_state'), schemaVersion: q('schema_version') };
}
