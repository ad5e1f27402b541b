import type pg from 'pg';
import type { Change, Mutation } from '../store.js';
import { BatchState, type StagedChange } from './apply-mutation.js';
import { type RecordRow, rowToRecord } from './rows.js';
import { bind, type Statements } from './statements.js';

interface Pending {
  m: Mutation;
  resolve: (c: Change) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; staged: StagedChange } | { ok: false; error: unknown };

/** Mutations per transaction at most: bounds one statement's size; a longer queue takes several. */
const MAX_BATCH = 256;

/**
 * Group commit on PostgreSQL: the mutations that queue up while a transaction runs (or arrive in
 * the same tick) share the next one. One transaction at a time per node; across nodes, every write
 * transaction first locks the `log_state` row (`SELECT … FOR UPDATE`), so write transactions are
 * serialised cluster-wide and seq order is commit order (docs/scaling.md, "The seq mechanism").
 *
 * Inside, per transaction: lock the head, read the rows the batch touches, run each mutation in
 * order in JS (`BatchState`: prepare, guard, version checks, the jsonb check; a refused one throws
 * there, before any SQL, so it costs its neighbours nothing and takes no seq), then one statement
 * writes records, changes and the head, and COMMIT. Three round trips under the lock whatever the
 * batch size, where a SAVEPOINT per mutation would add two per mutation. Nothing resolves before
 * the commit; a failed statement or commit rejects the whole batch, with nothing of it durable.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly stmt: Statements,
  ) {}

  /** Queues `m` for the next transaction; resolves with its change once that transaction committed. */
  submit(m: Mutation): Promise<Change> {
    return new Promise((resolve, reject) => {
      this.pending.push({ m, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once every queued mutation is committed (or refused): on close, queued writes are committed, not dropped. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running || this.pending.length === 0) return;
    this.running = (async () => {
      // The mutations of this tick join the first transaction.
      await new Promise((r) => setImmediate(r));
      while (this.pending.length > 0) await this.commit(this.pending.splice(0, MAX_BATCH));
    })().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.transaction(batch.map((p) => p.m));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.staged.change);
      else p.reject(o.error);
    });
  }

  private async transaction(mutations: Mutation[]): Promise<Outcome[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const head = (await client.query<{ head: number }>(bind(this.stmt.lockHead, []))).rows[0]!.head;
      const keys = new Map(mutations.map((m) => [`${m.collection}\u0000${m.id}`, m]));
      const current = await client.query<RecordRow>(
        bind(this.stmt.readBatch, [[...keys.values()].map((m) => m.collection), [...keys.values()].map((m) => m.id)]),
      );
      const state = new BatchState(current.rows.map(rowToRecord), head);
      const outcomes = mutations.map((m): Outcome => {
        try {
          return { ok: true, staged: state.apply(m) };
        } catch (error) {
          return { ok: false, error };
        }
      });
      if (state.lastSeq > head) {
        const changes = outcomes.flatMap((o) => (o.ok ? [o.staged.row] : []));
        await client.query(bind(this.stmt.writeBatch, [state.upserts(), state.deletes(), `[${changes.join(',')}]`, state.lastSeq]));
      }
      await client.query('COMMIT');
      client.release();
      return outcomes;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // Its state is unknown (a statement or the connection failed): not handed out again.
      client.release(true);
      throw err;
    }
  }
}
