import type { Change, ChangeFilter, FilterValue, ListPage, ListQuery, LogBounds, Mutation, RetentionPolicy, Store, StoredRecord } from '../../src/index.js';

const pause = (maxMs: number) => new Promise((r) => setTimeout(r, Math.random() * maxMs));

/**
 * The real SQLite store with network-like latency around every call, so reads and commit
 * announcements interleave the way they do on PostgreSQL + Redis. SQLite's synchronous calls hide
 * races; this brings them out. Data and ordering are the real store's.
 */
export class LaggyStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly maxMs = 4,
  ) {}
  get kind(): string {
    return this.inner.kind;
  }
  get epoch(): string {
    return this.inner.epoch;
  }
  ping(): Promise<void> {
    return this.lag(() => this.inner.ping());
  }
  private async lag<T>(f: () => Promise<T>): Promise<T> {
    await pause(this.maxMs);
    const v = await f();
    await pause(this.maxMs);
    return v;
  }
  bounds(): Promise<LogBounds> {
    return this.lag(() => this.inner.bounds());
  }
  secret(): Promise<string> {
    return this.inner.secret();
  }
  get(c: string, id: string): Promise<StoredRecord | undefined> {
    return this.lag(() => this.inner.get(c, id));
  }
  list(c: string, q: ListQuery): Promise<ListPage> {
    return this.lag(() => this.inner.list(c, q));
  }
  snapshot(c: string, id: string | undefined, max: number, where?: Record<string, FilterValue>) {
    return this.lag(() => this.inner.snapshot(c, id, max, where));
  }
  /** Commit order is the real one; the announcement after it is delayed, so changes reach the bus out of order. */
  mutate(m: Mutation): Promise<Change> {
    return this.lag(() => this.inner.mutate(m));
  }
  changesSince(since: number, f: ChangeFilter, limit: number, upTo?: number): Promise<Change[]> {
    return this.lag(() => this.inner.changesSince(since, f, limit, upTo));
  }
  countChanges(since: number, upTo: number, f: ChangeFilter): Promise<number> {
    return this.lag(() => this.inner.countChanges(since, upTo, f));
  }
  collections() {
    return this.lag(() => this.inner.collections());
  }
  positionAt(instant: Date): Promise<number | undefined> {
    return this.lag(() => this.inner.positionAt(instant));
  }
  rotateEpoch(): Promise<string> {
    return this.lag(() => this.inner.rotateEpoch());
  }
  compact(p: RetentionPolicy, keepAfter: number): Promise<number> {
    return this.lag(() => this.inner.compact(p, keepAfter));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
