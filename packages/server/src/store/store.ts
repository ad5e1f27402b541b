import type { RecordAction } from '@livehub/protocol';
import type { JsonObject } from '../config/collection-config.js';

/** A record as stored: app data apart from the server-owned fields. */
export interface StoredRecord {
  collection: string;
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  data: JsonObject;
}

/** One row of the change log. */
export interface Change {
  seq: number;
  /** Commit time, ISO-8601. */
  ts: string;
  collection: string;
  id: string;
  action: RecordAction;
  version: number;
  /** After the change; for deletes, the record as it was. */
  record: StoredRecord;
  /** Before the change; kept only when `keepPrevious` was asked (diff payloads). */
  previous?: StoredRecord;
  /** Top-level data fields whose value changed. */
  changed: string[];
}

/**
 * A write. `prepare` runs inside the transaction with the current record (if any) and returns the
 * data to store: it is where schema validation happens, so a patch is validated merged.
 */
export type Mutation = (
  | { op: 'create'; collection: string; id: string; data: JsonObject; prepare: Prepare; keepPrevious: boolean }
  | {
      op: 'replace';
      collection: string;
      id: string;
      data: JsonObject;
      ifVersion?: number;
      prepare: Prepare;
      keepPrevious: boolean;
      /**
       * Top-level fields of the current data a replace keeps when `data` does not carry them
       * (default: none). For private fields: the caller never sees them, so cannot send them back.
       * A field `data` does carry (even `null`) is set from `data`.
       */
      keepFields?: readonly string[];
    }
  | { op: 'patch'; collection: string; id: string; patch: JsonObject; ifVersion?: number; prepare: Prepare; keepPrevious: boolean }
  | { op: 'delete'; collection: string; id: string; ifVersion?: number; keepPrevious: boolean }
) & {
  /**
   * Runs inside the transaction once the record as it is (`current`, absent on create) and as it
   * would be (`next`, absent on delete) are known, before anything is written: authorization
   * rules that read the record. A throw refuses the mutation with nothing written.
   */
  guard?: (current: StoredRecord | undefined, next: StoredRecord | undefined) => void;
  /** False for a record the writer may not read: an update or delete of it is `not_found` (before any version check, which would tell it exists). */
  visible?: (current: StoredRecord) => boolean;
};

export type Prepare = (data: JsonObject) => JsonObject;

export type FilterValue = string | number | boolean | null;

export interface ListQuery {
  /** Equality on top-level or dotted data fields, or on id/version/createdAt/updatedAt. */
  filters: Record<string, FilterValue>;
  order: { field: string; dir: 'asc' | 'desc' };
  limit: number;
  cursor?: string;
}

export interface ListPage {
  items: StoredRecord[];
  nextCursor?: string;
  /** Log head the page was read at. */
  seq: number;
}

/** Which changes a read is about: all, one collection, or one record. */
export interface ChangeFilter {
  collection?: string;
  id?: string;
}

export interface LogBounds {
  /** Every change with seq <= floor has been compacted away; resume needs since >= floor. */
  floor: number;
  head: number;
}

export interface RetentionPolicy {
  maxChanges: number;
  maxAgeMs: number;
}

/**
 * Records plus the change log, written in one transaction. Every implementation passes
 * the store suite of `@livehub/conformance`. Nothing here knows about sockets.
 */
export interface Store {
  /** Which engine: `sqlite`, `postgres`, or a custom store's name; `/healthz` and the start log show it. */
  readonly kind: string;
  /** Fixed at database creation; names this log. */
  readonly epoch: string;
  /** Resolves when the database answers, rejects when it does not (or the store is closed): `/readyz`. */
  ping(): Promise<void>;
  bounds(): Promise<LogBounds>;
  /**
   * A random 256-bit secret (hex) made with the database and the same for every hub that opens
   * it: the hub derives keys from it (sealed list cursors), so what one node seals another opens.
   */
  secret(): Promise<string>;
  get(collection: string, id: string): Promise<StoredRecord | undefined>;
  list(collection: string, query: ListQuery): Promise<ListPage>;
  /**
   * Records of a collection (or one record) and the log head, read in one consistent view, by id.
   * `where`: only the records matching these equality filters (list semantics), which alone count
   * towards `max` (a read rule's `owner = sub`).
   */
  snapshot(
    collection: string,
    id: string | undefined,
    max: number,
    where?: Record<string, FilterValue>,
  ): Promise<{ records: StoredRecord[]; seq: number; truncated: boolean }>;
  /** Applies a mutation and appends its change; resolves once both are committed. */
  mutate(m: Mutation): Promise<Change>;
  /** Changes with since < seq <= upTo, ascending, at most `limit`. */
  changesSince(since: number, filter: ChangeFilter, limit: number, upTo?: number): Promise<Change[]>;
  /**
   * Where a read of the changes committed at or after `instant` starts: the seq just before the
   * first of them (the head if there is none yet), so `changesSince(result)` returns them all.
   * `undefined` when the log no longer reaches back that far: a change dropped by compaction or
   * epoch rotation may have been committed at or after `instant`.
   */
  positionAt(instant: Date): Promise<number | undefined>;
  countChanges(since: number, upTo: number, filter: ChangeFilter): Promise<number>;
  /** Collections that hold records, with their record counts. */
  collections(): Promise<Array<{ name: string; count: number }>>;
  /**
   * Gives the log a new epoch and voids its history (floor = head): every position a client holds
   * becomes a `reset`. For after a backup restore. Refuses while another process (a hub) has the
   * database open: `SqliteStore` and `PostgresStore` throw `DatabaseInUseError`.
   */
  rotateEpoch(): Promise<string>;
  /** Drops changes beyond the policy, never above `keepAfter`. Returns the number dropped. */
  compact(policy: RetentionPolicy, keepAfter: number): Promise<number>;
  /** Commits what is queued and releases the database. Idempotent. */
  close(): Promise<void>;
}
