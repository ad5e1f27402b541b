import type Database from 'better-sqlite3';
import type { Change, ChangeFilter, LogBounds } from '../store.js';
import { type ChangeRow, rowToChange } from './rows.js';
import type { Statements } from './statements.js';

/** Reads of the change log: its bounds, ranges of changes and their counts, the position at an instant. */
export class LogReads {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
  ) {}

  epoch(): string {
    return this.stmt.state.get()!.epoch;
  }

  bounds(): LogBounds {
    const { head, floor } = this.stmt.state.get()!;
    return { head, floor };
  }

  changesSince(since: number, filter: ChangeFilter, limit: number, upTo: number): Change[] {
    let rows: ChangeRow[];
    if (filter.collection === undefined) rows = this.stmt.changesAll.all(since, upTo, limit);
    else if (filter.id === undefined) rows = this.stmt.changesColl.all(filter.collection, since, upTo, limit);
    else rows = this.stmt.changesRec.all(filter.collection, filter.id, since, upTo, limit);
    return rows.map(rowToChange);
  }

  countChanges(since: number, upTo: number, filter: ChangeFilter): number {
    if (filter.collection === undefined) return this.stmt.countAll.get(since, upTo)!.n;
    if (filter.id === undefined) return this.stmt.countColl.get(filter.collection, since, upTo)!.n;
    return this.stmt.countRec.get(filter.collection, filter.id, since, upTo)!.n;
  }

  /** See `Store.positionAt`. */
  positionAt(instant: Date): number | undefined {
    const ts = instant.toISOString();
    // One read transaction: the floor and the first change come from the same view of the log.
    return this.db.transaction((): number | undefined => {
      const { head, floor, floor_ts } = this.stmt.state.get()!;
      // Stamps are compared as text: every one is written by toISOString (same length, UTC).
      if (floor > 0 && (floor_ts === null || ts <= floor_ts)) return undefined;
      const first = this.stmt.firstAtOrAfter.get(ts)?.seq ?? null;
      return first === null ? head : first - 1;
    })();
  }
}
