import type pg from 'pg';
import type { Change, ChangeFilter, LogBounds } from '../store.js';
import { type ChangeRow, rowToChange } from './rows.js';
import { bind, type Statements } from './statements.js';

/** Reads of the change log: its state, ranges of changes and their counts, the position at an instant. */
export class LogReads {
  constructor(
    private readonly pool: pg.Pool,
    private readonly stmt: Statements,
  ) {}

  async state(): Promise<{ epoch: string; head: number; floor: number }> {
    const { rows } = await this.pool.query<{ epoch: string; head: number; floor: number }>(bind(this.stmt.state, []));
    return rows[0]!;
  }

  async bounds(): Promise<LogBounds> {
    const { head, floor } = await this.state();
    return { head, floor };
  }

  /** Bounded by the head read in the same statement: a read never runs past what is committed. */
  async changesSince(since: number, filter: ChangeFilter, limit: number, upTo: number): Promise<Change[]> {
    const q =
      filter.collection === undefined
        ? bind(this.stmt.changesAll, [since, upTo, limit])
        : filter.id === undefined
          ? bind(this.stmt.changesColl, [filter.collection, since, upTo, limit])
          : bind(this.stmt.changesRec, [filter.collection, filter.id, since, upTo, limit]);
    return (await this.pool.query<ChangeRow>(q)).rows.map(rowToChange);
  }

  async countChanges(since: number, upTo: number, filter: ChangeFilter): Promise<number> {
    const q =
      filter.collection === undefined
        ? bind(this.stmt.countAll, [since, upTo])
        : filter.id === undefined
          ? bind(this.stmt.countColl, [filter.collection, since, upTo])
          : bind(this.stmt.countRec, [filter.collection, filter.id, since, upTo]);
    return (await this.pool.query<{ n: number }>(q)).rows[0]!.n;
  }

  /** See `Store.positionAt`; the floor and the first change come from one statement's view of the log. */
  async positionAt(instant: Date): Promise<number | undefined> {
    const ts = instant.toISOString();
    const { rows } = await this.pool.query<{ head: number; floor: number; floor_ts: string | null; first: number | null }>(bind(this.stmt.position, [ts]));
    const { head, floor, floor_ts, first } = rows[0]!;
    // Stamps are compared as text: every one is written by toISOString (same length, UTC).
    if (floor > 0 && (floor_ts === null || ts <= floor_ts)) return undefined;
    return first === null ? head : first - 1;
  }
}
