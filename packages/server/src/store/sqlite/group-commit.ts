import type Database from 'better-sqlite3';
import type { Change, Mutation } from '../store.js';

interface Pending {
  m: Mutation;
  resolve: (c: Change) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; change: Change } | { ok: false; error: unknown };

/**
 * Group commit: mutations that arrive in the same tick share one transaction, so one fsync
 * acknowledges them all. Each runs in its own savepoint, so a refused one (conflict, schema)
 * rolls back alone, seq included, and the log stays gapless. Nothing resolves before the commit.
 */
export class GroupCommit {
  private pending: Pending[] = [];

  /** `apply` writes one mutation; it runs inside the group's transaction. */
  constructor(
    private readonly db: Database.Database,
    private readonly apply: (m: Mutation) => Change,
  ) {}

  /** Queues `m` for the next commit; resolves with its change once that commit is durable. */
  submit(m: Mutation): Promise<Change> {
    return new Promise((resolve, reject) => {
      this.pending.push({ m, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.commitPending);
    });
  }

  /** Commits what is queued now, without waiting for the tick (on close: queued writes are committed, not dropped). */
  flush(): void {
    if (this.pending.length > 0 && this.db.open) this.commitPending();
  }

  private readonly commitPending = (): void => {
    const batch = this.pending;
    this.pending = [];
    const outcomes: Outcome[] = [];
    try {
      this.db
        .transaction(() => {
          for (const { m } of batch) {
            try {
              outcomes.push({ ok: true, change: this.applyOne(m) });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.change);
      else p.reject(o.error);
    });
  };

  /** One mutation inside the group's transaction, in a savepoint of its own. */
  private applyOne(m: Mutation): Change {
    return this.db.transaction(() => this.apply(m))();
  }
}
