import type Database from 'better-sqlite3';

/**
 * Prepared statements by SQL text, for queries whose shape repeats while their values vary (list
 * pages: filters and order are the shape, values are parameters). Bounded, because the number of
 * shapes is what clients ask for: past `max` (default 256) the oldest is dropped.
 */
export class StatementCache<Row> {
  private readonly statements = new Map<string, Database.Statement<unknown[], Row>>();

  constructor(
    private readonly db: Database.Database,
    private readonly max = 256,
  ) {}

  get(sql: string): Database.Statement<unknown[], Row> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= this.max) this.statements.delete(this.statements.keys().next().value!);
      stmt = this.db.prepare<unknown[], Row>(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
