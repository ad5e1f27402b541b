import type Database from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { FilterValue, ListPage, ListQuery, StoredRecord } from '../store.js';
import { buildListSql } from './list-sql.js';
import { type ListRow, type RecordRow, rowToRecord } from './rows.js';
import { StatementCache } from './statement-cache.js';
import type { Statements } from './statements.js';

/** Reads of the records table: one record, list pages, snapshots, per-collection counts. */
export class RecordReads {
  private readonly listStatements: StatementCache<ListRow>;

  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
  ) {
    this.listStatements = new StatementCache<ListRow>(db);
  }

  get(collection: string, id: string): StoredRecord | undefined {
    const row = this.stmt.get.get(collection, id);
    return row ? rowToRecord(row) : undefined;
  }

  list(collection: string, query: ListQuery): ListPage {
    const after = query.cursor !== undefined ? decodeCursor(collection, query, query.cursor) : undefined;
    const { sql, params } = buildListSql(collection, query, after);
    const select = this.listStatements.get(sql);
    // One read transaction: the page and the head come from the same snapshot of the database.
    return this.db.transaction((): ListPage => {
      const rows = select.all(...params);
      const head = this.stmt.state.get()!.head;
      const more = rows.length > query.limit;
      const page = more ? rows.slice(0, query.limit) : rows;
      const last = page[page.length - 1];
      const result: ListPage = { items: page.map(rowToRecord), seq: head };
      if (more && last) result.nextCursor = encodeCursor(collection, query, { value: last.ord, id: last.id });
      return result;
    })();
  }

  snapshot(
    collection: string,
    id: string | undefined,
    max: number,
    where?: Record<string, FilterValue>,
  ): { records: StoredRecord[]; seq: number; truncated: boolean } {
    const filtered = where !== undefined && Object.keys(where).length > 0;
    // A filtered snapshot is a list query by id: the same SQL, so the same matching rules.
    const select = filtered ? this.filteredSnapshot(collection, id, max, where) : undefined;
    // One read transaction, like `list`: the records and the head are one view.
    return this.db.transaction(() => {
      const rows: RecordRow[] = select
        ? select.statement.all(...select.params)
        : select === null
          ? []
          : id !== undefined
            ? this.stmt.snapshotOne.all(collection, id)
            : this.stmt.snapshotAll.all(collection, max + 1);
      const seq = this.stmt.state.get()!.head;
      const truncated = rows.length > max;
      return { records: (truncated ? rows.slice(0, max) : rows).map(rowToRecord), seq, truncated };
    })();
  }

  /** The statement of a filtered snapshot; null when `where` names another record than `id` (nothing matches both). */
  private filteredSnapshot(collection: string, id: string | undefined, max: number, where: Record<string, FilterValue>) {
    const filters = Object.assign(Object.create(null) as Record<string, FilterValue>, where);
    if (id !== undefined) {
      if (Object.hasOwn(filters, 'id') && String(filters.id) !== id) return null;
      filters.id = id;
    }
    const { sql, params } = buildListSql(collection, { filters, order: { field: 'id', dir: 'asc' }, limit: max }, undefined);
    return { statement: this.listStatements.get(sql), params };
  }

  collections(): Array<{ name: string; count: number }> {
    return this.stmt.collections.all();
  }
}
