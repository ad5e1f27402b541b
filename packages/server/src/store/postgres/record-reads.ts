import type pg from 'pg';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { FilterValue, ListPage, ListQuery, StoredRecord } from '../store.js';
import { buildPageSql } from './list-sql.js';
import type { Names } from './names.js';
import { type RecordRow, rowToRecord } from './rows.js';
import { bind, type Statements } from './statements.js';

type PageRow = { head: number } & { [K in keyof RecordRow]: RecordRow[K] | null } & Record<string, unknown>;

/** Reads of the records table: one record, list pages, snapshots, per-collection counts. */
export class RecordReads {
  constructor(
    private readonly pool: pg.Pool,
    private readonly names: Names,
    private readonly stmt: Statements,
  ) {}

  async get(collection: string, id: string): Promise<StoredRecord | undefined> {
    const { rows } = await this.pool.query<RecordRow>(bind(this.stmt.get, [collection, id]));
    return rows[0] ? rowToRecord(rows[0]) : undefined;
  }

  async list(collection: string, query: ListQuery): Promise<ListPage> {
    const after = query.cursor !== undefined ? decodeCursor(collection, query, query.cursor) : undefined;
    const { head, rows, cursorValue } = await this.page(collection, query, after);
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    const result: ListPage = { items: page.map((r) => rowToRecord(r as RecordRow)), seq: head };
    if (more && last) result.nextCursor = encodeCursor(collection, query, { value: cursorValue(last), id: last.id! });
    return result;
  }

  async snapshot(
    collection: string,
    id: string | undefined,
    max: number,
    where?: Record<string, FilterValue>,
  ): Promise<{ records: StoredRecord[]; seq: number; truncated: boolean }> {
    // A snapshot is a list query by id: the same SQL, so the same matching rules.
    const filters = Object.assign(Object.create(null) as Record<string, FilterValue>, where ?? {});
    if (id !== undefined) {
      if (Object.hasOwn(filters, 'id') && String(filters.id) !== id) {
        // `where` names another record than `id`: nothing matches both, at any head.
        const { rows } = await this.pool.query<{ head: number }>(bind(this.stmt.state, []));
        return { records: [], seq: rows[0]!.head, truncated: false };
      }
      filters.id = id;
    }
    const { head, rows } = await this.page(collection, { filters, order: { field: 'id', dir: 'asc' }, limit: max }, undefined);
    const truncated = rows.length > max;
    return { records: (truncated ? rows.slice(0, max) : rows).map((r) => rowToRecord(r as RecordRow)), seq: head, truncated };
  }

  async collections(): Promise<Array<{ name: string; count: number }>> {
    return (await this.pool.query<{ name: string; count: number }>(bind(this.stmt.collections, []))).rows;
  }

  /** One page and the head, from one statement (one snapshot). */
  private async page(collection: string, query: ListQuery, after: Parameters<typeof buildPageSql>[3]) {
    const sql = buildPageSql(this.names, collection, query, after);
    const { rows } = await this.pool.query<PageRow>(sql.text, sql.values);
    const head = rows[0]!.head;
    return { head, rows: rows.filter((r) => r.id !== null), cursorValue: sql.cursorValue };
  }
}
