import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordAction } from '@livehub/protocol';
import { mergePatch, withoutServerFields } from '@livehub/protocol';
import { HubError } from '../../errors.js';
import type { JsonObject } from '../../config/collection-config.js';
import { changedFields } from '../changed-fields.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { Change, ChangeFilter, ListPage, ListQuery, LogBounds, Mutation, RetentionPolicy, Store, StoredRecord } from '../store.js';
import { buildListSql } from './list-sql.js';
import { migrate } from './migrations.js';
import { OpenLock } from './open-lock.js';
import { newEpoch } from '../../ids.js';

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for tests of logic only. */
  file: string;
  /** `full` fsyncs each commit (survives power loss); `normal` survives process crashes. */
  durability: 'full' | 'normal';
}

interface LogState {
  epoch: string;
  head: number;
  floor: number;
  /** Newest commit stamp among the changes dropped (compaction, epoch rotation); null if none was. */
  floor_ts: string | null;
}

interface RecordRow {
  collection: string;
  id: string;
  version: number;
  created_at: string;
  updated_at: string;
  data: string;
}

interface ChangeRow {
  seq: number;
  ts: string;
  collection: string;
  record_id: string;
  action: RecordAction;
  version: number;
  record: string;
  previous: string | null;
  changed: string;
}

/** Compact JSON of a record inside a change row; collection and id live in their own columns. */
interface PackedRecord {
  v: number;
  c: string;
  u: string;
  d: JsonObject;
}

const pack = (r: StoredRecord): string => JSON.stringify({ v: r.version, c: r.createdAt, u: r.updatedAt, d: r.data } satisfies PackedRecord);
function unpack(collection: string, id: string, json: string): StoredRecord {
  const p = JSON.parse(json) as PackedRecord;
  return { collection, id, version: p.v, createdAt: p.c, updatedAt: p.u, data: p.d };
}

function rowToRecord(r: RecordRow): StoredRecord {
  return { collection: r.collection, id: r.id, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at, data: JSON.parse(r.data) as JsonObject };
}

function rowToChange(r: ChangeRow): Change {
  const change: Change = {
    seq: r.seq,
    ts: r.ts,
    collection: r.collection,
    id: r.record_id,
    action: r.action,
    version: r.version,
    record: unpack(r.collection, r.record_id, r.record),
    changed: JSON.parse(r.changed) as string[],
  };
  if (r.previous !== null) change.previous = unpack(r.collection, r.record_id, r.previous);
  return change;
}

/** A replace's data: `data`, plus each of `keep` that `current` has and `data` does not carry. */
function replaced(current: JsonObject, data: JsonObject, keep: readonly string[] = []): JsonObject {
  const out = { ...data };
  for (const f of keep) if (!Object.hasOwn(data, f) && Object.hasOwn(current, f)) out[f] = current[f];
  return out;
}

/** Store on one SQLite file (WAL). better-sqlite3 is synchronous; the async interface is for other stores. */
export class SqliteStore implements Store {
  epoch: string;
  private readonly db: Database.Database;
  private readonly stmt;
  /** Marks the file as open while this store has it (so `rotateEpoch` can tell it is alone). */
  private readonly openLock: OpenLock | undefined;

  constructor(opts: SqliteStoreOptions) {
    if (opts.file !== ':memory:') {
      mkdirSync(dirname(opts.file), { recursive: true });
      // Before the epoch is read: a rotation in progress is waited for, not half seen.
      this.openLock = new OpenLock(opts.file);
    }
    try {
      this.db = this.open(opts);
    } catch (err) {
      this.openLock?.close();
      throw err;
    }
    const db = this.db;
    this.stmt = {
      state: db.prepare<[], LogState>('SELECT epoch, head, floor, floor_ts FROM log_state WHERE id = 1'),
      nextSeq: db.prepare<[], { head: number }>('UPDATE log_state SET head = head + 1 WHERE id = 1 RETURNING head'),
      // floor_ts: the newest stamp among the changes dropped so far; run before they are deleted.
      setFloor: db.prepare<{ floor: number }>(
        "UPDATE log_state SET floor = @floor, floor_ts = max(coalesce(floor_ts, ''), coalesce((SELECT max(ts) FROM changes WHERE seq <= @floor), '')) WHERE id = 1",
      ),
      // min(seq), not the first by ts: a clock stepped back can stamp a later seq earlier, and
      // taking the earliest stamp would then skip changes. The index bounds the scan to the
      // changes at or after the instant (the ones the caller is about to read); without the hint
      // SQLite walks the log by seq from the start.
      firstAtOrAfter: db.prepare<[string], { seq: number | null }>('SELECT min(seq) AS seq FROM changes INDEXED BY changes_by_ts WHERE ts >= ?'),
      get: db.prepare<[string, string], RecordRow>('SELECT * FROM records WHERE collection = ? AND id = ?'),
      insert: db.prepare<[string, string, number, string, string, string]>(
        'INSERT INTO records (collection, id, version, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare<[number, string, string, string, string]>('UPDATE records SET version = ?, updated_at = ?, data = ? WHERE collection = ? AND id = ?'),
      remove: db.prepare<[string, string]>('DELETE FROM records WHERE collection = ? AND id = ?'),
      appendChange: db.prepare<[number, string, string, string, string, number, string, string | null, string]>(
        'INSERT INTO changes (seq, ts, collection, record_id, action, version, record, previous, changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      snapshotOne: db.prepare<[string, string], RecordRow>('SELECT * FROM records WHERE collection = ? AND id = ?'),
      snapshotAll: db.prepare<[string, number], RecordRow>('SELECT * FROM records WHERE collection = ? ORDER BY id LIMIT ?'),
      collections: db.prepare<[], { name: string; count: number }>('SELECT collection AS name, count(*) AS count FROM records GROUP BY collection ORDER BY collection'),
      ageCutoff: db.prepare<[number, string], { seq: number | null }>(
        'SELECT max(seq) AS seq FROM (SELECT seq, ts FROM changes WHERE seq > ? ORDER BY seq LIMIT 100000) WHERE ts < ?',
      ),
      deleteUpTo: db.prepare<[number]>('DELETE FROM changes WHERE seq <= ?'),
      changesAll: db.prepare<[number, number, number], ChangeRow>('SELECT * FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?'),
      changesColl: db.prepare<[string, number, number, number], ChangeRow>(
        'SELECT * FROM changes WHERE collection = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      ),
      changesRec: db.prepare<[string, string, number, number, number], ChangeRow>(
        'SELECT * FROM changes WHERE collection = ? AND record_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      ),
      countAll: db.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM changes WHERE seq > ? AND seq <= ?'),
      countColl: db.prepare<[string, number, number], { n: number }>('SELECT count(*) AS n FROM changes WHERE collection = ? AND seq > ? AND seq <= ?'),
      countRec: db.prepare<[string, string, number, number], { n: number }>(
        'SELECT count(*) AS n FROM changes WHERE collection = ? AND record_id = ? AND seq > ? AND seq <= ?',
      ),
    };
    this.epoch = this.stmt.state.get()!.epoch;
  }

  private open(opts: SqliteStoreOptions): Database.Database {
    const db = new Database(opts.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      migrate(db);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private state(): LogState {
    return this.stmt.state.get()!;
  }

  async bounds(): Promise<LogBounds> {
    const { head, floor } = this.state();
    return { head, floor };
  }

  async get(collection: string, id: string): Promise<StoredRecord | undefined> {
    const row = this.stmt.get.get(collection, id);
    return row ? rowToRecord(row) : undefined;
  }

  async list(collection: string, query: ListQuery): Promise<ListPage> {
    const after = query.cursor !== undefined ? decodeCursor(collection, query, query.cursor) : undefined;
    const { sql, params } = buildListSql(collection, query, after);
    const select = this.listStatement(sql);
    // One read transaction: the page and the head come from the same snapshot of the database.
    return this.db.transaction((): ListPage => {
      const rows = select.all(...params);
      const head = this.state().head;
      const more = rows.length > query.limit;
      const page = more ? rows.slice(0, query.limit) : rows;
      const last = page[page.length - 1];
      const result: ListPage = { items: page.map(rowToRecord), seq: head };
      if (more && last) result.nextCursor = encodeCursor(collection, query, { value: last.ord, id: last.id });
      return result;
    })();
  }

  /** Prepared list statements by SQL text: a list's shape (filters, order) repeats, its values are parameters. */
  private readonly listStatements = new Map<string, Database.Statement<unknown[], RecordRow & { ord: string | number | null }>>();

  private listStatement(sql: string): Database.Statement<unknown[], RecordRow & { ord: string | number | null }> {
    let stmt = this.listStatements.get(sql);
    if (!stmt) {
      // Bounded: the number of shapes is what clients ask for, so drop the oldest past a limit.
      if (this.listStatements.size >= 256) this.listStatements.delete(this.listStatements.keys().next().value!);
      stmt = this.db.prepare<unknown[], RecordRow & { ord: string | number | null }>(sql);
      this.listStatements.set(sql, stmt);
    }
    return stmt;
  }

  async snapshot(collection: string, id: string | undefined, max: number): Promise<{ records: StoredRecord[]; seq: number; truncated: boolean }> {
    return this.db.transaction(() => {
      const rows = id !== undefined ? this.stmt.snapshotOne.all(collection, id) : this.stmt.snapshotAll.all(collection, max + 1);
      const seq = this.state().head;
      const truncated = rows.length > max;
      return { records: (truncated ? rows.slice(0, max) : rows).map(rowToRecord), seq, truncated };
    })();
  }

  /**
   * Group commit: mutations that arrive in the same tick share one transaction, so one fsync
   * acknowledges them all. Each runs in its own savepoint, so a refused one (conflict, schema)
   * rolls back alone, seq included, and the log stays gapless. Nothing resolves before the commit.
   */
  mutate(m: Mutation): Promise<Change> {
    return new Promise((resolve, reject) => {
      this.pending.push({ m, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.commitPending);
    });
  }

  private pending: Array<{ m: Mutation; resolve: (c: Change) => void; reject: (e: unknown) => void }> = [];

  private readonly commitPending = (): void => {
    const batch = this.pending;
    this.pending = [];
    const outcomes: Array<{ ok: true; change: Change } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const { m } of batch) {
          try {
            outcomes.push({ ok: true, change: this.applyOne(m) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
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

  /** Runs inside the write transaction: record write and change append commit together or not at all. */
  private apply(m: Mutation): Change {
    const row = this.stmt.get.get(m.collection, m.id);
    const current = row ? rowToRecord(row) : undefined;
    const now = new Date().toISOString();
    let next: StoredRecord;
    let action: RecordAction;
    let version: number;

    if (m.op === 'create') {
      if (current) throw new HubError('already_exists', `Record '${m.id}' already exists in '${m.collection}'`);
      const data = m.prepare(withoutServerFields(m.data));
      next = { collection: m.collection, id: m.id, version: 1, createdAt: now, updatedAt: now, data };
      this.stmt.insert.run(m.collection, m.id, 1, now, now, JSON.stringify(data));
      action = 'created';
      version = 1;
    } else {
      if (!current) throw new HubError('not_found', `No record '${m.id}' in '${m.collection}'`);
      if (m.ifVersion !== undefined && m.ifVersion !== current.version) {
        throw new HubError('version_conflict', `Record '${m.id}' is at version ${current.version}, not ${m.ifVersion}`);
      }
      version = current.version + 1;
      if (m.op === 'delete') {
        this.stmt.remove.run(m.collection, m.id);
        next = current;
        action = 'deleted';
      } else {
        const proposed = m.op === 'replace' ? replaced(current.data, withoutServerFields(m.data), m.keepFields) : mergePatch(current.data, withoutServerFields(m.patch));
        const data = m.prepare(proposed);
        next = { ...current, version, updatedAt: now, data };
        this.stmt.update.run(version, now, JSON.stringify(data), m.collection, m.id);
        action = 'updated';
      }
    }

    const seq = this.stmt.nextSeq.get()!.head;
    const changed = action === 'deleted' ? [] : changedFields(current?.data, next.data);
    const previous = m.keepPrevious && current ? current : undefined;
    this.stmt.appendChange.run(seq, now, m.collection, m.id, action, version, pack(next), previous ? pack(previous) : null, JSON.stringify(changed));
    const change: Change = { seq, ts: now, collection: m.collection, id: m.id, action, version, record: next, changed };
    if (previous) change.previous = previous;
    return change;
  }

  async changesSince(since: number, filter: ChangeFilter, limit: number, upTo = Number.MAX_SAFE_INTEGER): Promise<Change[]> {
    let rows: ChangeRow[];
    if (filter.collection === undefined) rows = this.stmt.changesAll.all(since, upTo, limit);
    else if (filter.id === undefined) rows = this.stmt.changesColl.all(filter.collection, since, upTo, limit);
    else rows = this.stmt.changesRec.all(filter.collection, filter.id, since, upTo, limit);
    return rows.map(rowToChange);
  }

  async positionAt(instant: Date): Promise<number | undefined> {
    const ts = instant.toISOString();
    // One read transaction: the floor and the first change come from the same view of the log.
    return this.db.transaction((): number | undefined => {
      const { head, floor, floor_ts } = this.state();
      // Stamps are compared as text: every one is written by toISOString (same length, UTC).
      if (floor > 0 && (floor_ts === null || ts <= floor_ts)) return undefined;
      const first = this.stmt.firstAtOrAfter.get(ts)?.seq ?? null;
      return first === null ? head : first - 1;
    })();
  }

  async countChanges(since: number, upTo: number, filter: ChangeFilter): Promise<number> {
    if (filter.collection === undefined) return this.stmt.countAll.get(since, upTo)!.n;
    if (filter.id === undefined) return this.stmt.countColl.get(filter.collection, since, upTo)!.n;
    return this.stmt.countRec.get(filter.collection, filter.id, since, upTo)!.n;
  }

  async collections(): Promise<Array<{ name: string; count: number }>> {
    return this.stmt.collections.all();
  }

  async compact(policy: RetentionPolicy, keepAfter: number): Promise<number> {
    const { head, floor } = this.state();
    const byCount = head - policy.maxChanges;
    const byAge = this.stmt.ageCutoff.get(floor, new Date(Date.now() - policy.maxAgeMs).toISOString())?.seq ?? 0;
    const cutoff = Math.min(Math.max(byCount, byAge), keepAfter, head);
    let dropped = 0;
    // Small transactions so a large compaction never holds the write lock for long.
    for (let at = floor; at < cutoff; ) {
      const upTo = Math.min(at + 10_000, cutoff);
      dropped += this.db.transaction(() => {
        this.stmt.setFloor.run({ floor: upTo });
        return this.stmt.deleteUpTo.run(upTo).changes;
      }).immediate();
      at = upTo;
    }
    return dropped;
  }

  /** Refuses (DatabaseInUseError) while any other store, in any process, has the file open. */
  async rotateEpoch(): Promise<string> {
    const epoch = newEpoch();
    const rotate = () => this.db.transaction(() => {
      const { head } = this.state();
      // Voided history: no instant before the rotation can be answered from this log any more.
      this.db.prepare('UPDATE log_state SET epoch = ?, floor = ?, floor_ts = ? WHERE id = 1').run(epoch, head, new Date().toISOString());
      this.stmt.deleteUpTo.run(head);
    }).immediate();
    if (this.openLock) this.openLock.alone(rotate);
    else rotate();
    this.epoch = epoch;
    return epoch;
  }

  async close(): Promise<void> {
    // Writes queued for the next group commit are committed, not dropped.
    if (this.pending.length > 0 && this.db.open) this.commitPending();
    if (this.db.open) this.db.close();
    this.openLock?.close();
  }
}
