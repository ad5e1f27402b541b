import type pg from 'pg';
import type { Change, ChangeFilter, FilterValue, ListPage, ListQuery, LogBounds, Mutation, RetentionPolicy, Store, StoredRecord } from '../store.js';
import { compactLog } from './compaction.js';
import { rotateLogEpoch } from './epoch-rotation.js';
import { GroupCommit } from './group-commit.js';
import { LogReads } from './log-reads.js';
import { tableNames, type Names } from './names.js';
import { describeUrl, isPostgresUrl, openDatabase, type PostgresStoreOptions } from './open-database.js';
import type { OpenLock } from './open-lock.js';
import { RecordReads } from './record-reads.js';
import { prepareStatements, type Statements } from './statements.js';

export type { PostgresStoreOptions } from './open-database.js';
export { DEFAULT_POOL_SIZE, describeUrl, schemaHasStore } from './open-database.js';

interface Parts {
  pool: pg.Pool;
  names: Names;
  stmt: Statements;
  lockKey: number;
  openLock: OpenLock;
  records: RecordReads;
  log: LogReads;
  writes: GroupCommit;
}

/**
 * Store on a PostgreSQL schema, shared by any number of hubs (nodes). Opening is asynchronous
 * (connect, migrate, take the open lock): `await PostgresStore.open(opts)`, or construct it and
 * `await store.open()` (createHub does, in `start`); any call before then waits for the opening,
 * and `epoch` is known once it is done. This class composes the parts: opening (open-database,
 * migrations, open-lock), the SQL (statements, list-sql), the write path (group-commit over
 * apply-mutation), reads (record-reads, log-reads), compaction and epoch rotation.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  /** `host:port/database schema "s"`, for logs: never the password. */
  readonly location: string;
  private opening: Promise<Parts> | undefined;
  private currentEpoch: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: PostgresStoreOptions) {
    // Checked here, so a bad option fails createHub, before anything connects.
    if (!isPostgresUrl(opts.url)) throw new TypeError(`Not a PostgreSQL URL: ${describeUrl(opts.url)} (postgres:// or postgresql://)`);
    const names = tableNames(opts.schema ?? 'public');
    this.location = `${describeUrl(opts.url)} schema "${names.schema}"`;
  }

  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(opts);
    await store.open();
    return store;
  }

  /** Connects, migrates and takes the open lock; once (later calls return the same promise). */
  async open(): Promise<void> {
    await this.parts();
  }

  get epoch(): string {
    if (this.currentEpoch === undefined) throw new Error('PostgresStore is not open yet: await store.open() first');
    return this.currentEpoch;
  }

  private parts(): Promise<Parts> {
    if (this.closing) return Promise.reject(new Error('PostgresStore is closed'));
    return (this.opening ??= this.connect());
  }

  private async connect(): Promise<Parts> {
    const opened = await openDatabase(this.opts, () => void this.reloadEpoch());
    const stmt = prepareStatements(opened.names);
    const log = new LogReads(opened.pool, stmt);
    const parts: Parts = {
      pool: opened.pool,
      names: opened.names,
      stmt,
      lockKey: opened.lockKey,
      openLock: opened.openLock,
      records: new RecordReads(opened.pool, opened.names, stmt),
      log,
      writes: new GroupCommit(opened.pool, stmt),
    };
    try {
      this.currentEpoch = (await log.state()).epoch;
    } catch (err) {
      await opened.openLock.close();
      await opened.pool.end().catch(() => undefined);
      throw err;
    }
    return parts;
  }

  /** After the open lock was lost and regained: a rotation may have run in between. */
  private async reloadEpoch(): Promise<void> {
    try {
      this.currentEpoch = (await (await this.parts()).log.state()).epoch;
    } catch {
      // unreachable again: the next regain retries
    }
  }

  async ping(): Promise<void> {
    await (await this.parts()).pool.query('SELECT 1');
  }

  async bounds(): Promise<LogBounds> {
    return (await this.parts()).log.bounds();
  }

  async secret(): Promise<string> {
    const { pool, names } = await this.parts();
    return (await pool.query<{ secret: string }>(`SELECT secret FROM ${names.logState} WHERE id = 1`)).rows[0]!.secret;
  }

  async get(collection: string, id: string): Promise<StoredRecord | undefined> {
    return (await this.parts()).records.get(collection, id);
  }

  async list(collection: string, query: ListQuery): Promise<ListPage> {
    return (await this.parts()).records.list(collection, query);
  }

  async snapshot(
    collection: string,
    id: string | undefined,
    max: number,
    where?: Record<string, FilterValue>,
  ): Promise<{ records: StoredRecord[]; seq: number; truncated: boolean }> {
    return (await this.parts()).records.snapshot(collection, id, max, where);
  }

  /** Resolves once committed, together with the mutations queued behind the transaction before (see GroupCommit). */
  async mutate(m: Mutation): Promise<Change> {
    return (await this.parts()).writes.submit(m);
  }

  async changesSince(since: number, filter: ChangeFilter, limit: number, upTo = Number.MAX_SAFE_INTEGER): Promise<Change[]> {
    return (await this.parts()).log.changesSince(since, filter, limit, upTo);
  }

  async positionAt(instant: Date): Promise<number | undefined> {
    return (await this.parts()).log.positionAt(instant);
  }

  async countChanges(since: number, upTo: number, filter: ChangeFilter): Promise<number> {
    return (await this.parts()).log.countChanges(since, upTo, filter);
  }

  async collections(): Promise<Array<{ name: string; count: number }>> {
    return (await this.parts()).records.collections();
  }

  /** One node at a time (an advisory lock); never above `keepAfter`. */
  async compact(policy: RetentionPolicy, keepAfter: number): Promise<number> {
    const p = await this.parts();
    return compactLog(p.pool, p.stmt, p.lockKey, policy, keepAfter);
  }

  /** Refuses (DatabaseInUseError) while any other store, on any node, has the schema open. */
  async rotateEpoch(): Promise<string> {
    const p = await this.parts();
    this.currentEpoch = await rotateLogEpoch(p.pool, p.stmt, p.openLock);
    return this.currentEpoch;
  }

  /** Commits what is queued, then releases the open lock and the pool. Idempotent. */
  close(): Promise<void> {
    const opening = this.opening;
    this.closing ??= (async () => {
      if (!opening) return;
      const p = await opening.catch(() => undefined);
      if (!p) return;
      await p.writes.flush();
      await p.openLock.close();
      await p.pool.end();
    })();
    return this.closing;
  }
}
