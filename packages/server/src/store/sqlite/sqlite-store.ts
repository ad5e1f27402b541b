import type Database from 'better-sqlite3';
import type { Change, ChangeFilter, FilterValue, ListPage, ListQuery, LogBounds, Mutation, RetentionPolicy, Store, StoredRecord } from '../store.js';
import { applyMutation } from './apply-mutation.js';
import { compactLog } from './compaction.js';
import { rotateLogEpoch } from './epoch-rotation.js';
import { GroupCommit } from './group-commit.js';
import { LogReads } from './log-reads.js';
import { openDatabase, type SqliteStoreOptions } from './open-database.js';
import type { OpenLock } from './open-lock.js';
import { RecordReads } from './record-reads.js';
import { prepareStatements, type Statements } from './statements.js';

export type { SqliteStoreOptions } from './open-database.js';

/**
 * Store on one SQLite file (WAL). better-sqlite3 is synchronous; the async interface is for other
 * stores. This class composes the parts: opening (open-database), the SQL (statements), the write
 * path (group-commit over apply-mutation), reads (record-reads, log-reads), compaction and epoch
 * rotation.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  epoch: string;
  private readonly db: Database.Database;
  private readonly stmt: Statements;
  /** Marks the file as open while this store has it (so `rotateEpoch` can tell it is alone). */
  private readonly openLock: OpenLock | undefined;
  private readonly records: RecordReads;
  private readonly log: LogReads;
  private readonly writes: GroupCommit;

  constructor(opts: SqliteStoreOptions) {
    const opened = openDatabase(opts);
    this.db = opened.db;
    this.openLock = opened.openLock;
    this.stmt = prepareStatements(this.db);
    this.records = new RecordReads(this.db, this.stmt);
    this.log = new LogReads(this.db, this.stmt);
    this.writes = new GroupCommit(this.db, (m) => applyMutation(this.stmt, m));
    this.epoch = this.log.epoch();
  }

  /** A file on this machine answers while it is open; closed, this throws. */
  async ping(): Promise<void> {
    this.stmt.state.get();
  }

  async bounds(): Promise<LogBounds> {
    return this.log.bounds();
  }

  async secret(): Promise<string> {
    return (this.db.prepare('SELECT secret FROM log_state WHERE id = 1').get() as { secret: string }).secret;
  }

  async get(collection: string, id: string): Promise<StoredRecord | undefined> {
    return this.records.get(collection, id);
  }

  async list(collection: string, query: ListQuery): Promise<ListPage> {
    return this.records.list(collection, query);
  }

  async snapshot(
    collection: string,
    id: string | undefined,
    max: number,
    where?: Record<string, FilterValue>,
  ): Promise<{ records: StoredRecord[]; seq: number; truncated: boolean }> {
    return this.records.snapshot(collection, id, max, where);
  }

  /** Resolves once committed, together with the other mutations of the same tick (see GroupCommit). */
  mutate(m: Mutation): Promise<Change> {
    return this.writes.submit(m);
  }

  async changesSince(since: number, filter: ChangeFilter, limit: number, upTo = Number.MAX_SAFE_INTEGER): Promise<Change[]> {
    return this.log.changesSince(since, filter, limit, upTo);
  }

  async positionAt(instant: Date): Promise<number | undefined> {
    return this.log.positionAt(instant);
  }

  async countChanges(since: number, upTo: number, filter: ChangeFilter): Promise<number> {
    return this.log.countChanges(since, upTo, filter);
  }

  async collections(): Promise<Array<{ name: string; count: number }>> {
    return this.records.collections();
  }

  async compact(policy: RetentionPolicy, keepAfter: number): Promise<number> {
    return compactLog(this.db, this.stmt, policy, keepAfter);
  }

  /** Refuses (DatabaseInUseError) while any other store, in any process, has the file open. */
  async rotateEpoch(): Promise<string> {
    this.epoch = rotateLogEpoch(this.db, this.stmt, this.openLock);
    return this.epoch;
  }

  async close(): Promise<void> {
    // Writes queued for the next group commit are committed, not dropped.
    this.writes.flush();
    if (this.db.open) this.db.close();
    this.openLock?.close();
  }
}
