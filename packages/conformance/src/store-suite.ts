import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { Mutation, Store } from '@livehub/server';
import { eventually } from './eventually.js';
import { planSuite, registerSuite, type Selection } from './selection.js';

/** Every test of the store suite, by name: what an adapter opts in to or skips. */
export const STORE_TESTS = [
  'starts empty with an epoch',
  'answers ping while open, refuses it once closed, and closes idempotently',
  'writes the record and its change together with gapless seqs',
  'keeps the named fields a replace does not carry, and sets the ones it does',
  'refuses conflicting writes without logging anything',
  'refuses one of several concurrent writes without touching the others or the seq',
  'strips server-owned fields from written data and merges patches (RFC 7386)',
  'serialises concurrent writers into gapless, commit-ordered seqs',
  'reads changes by collection and by record, bounded by upTo and limit, and counts them',
  'snapshots records and the head in one view, and reports truncation',
  'snapshots only the records matching equality filters, truncation counting those',
  'runs a guard inside the write: a refusal writes nothing, an invisible record is not found before its version is checked',
  'lists with filters, order and cursor, reading the head with the page',
  'pages through records whose order field is missing (nulls) without skipping any',
  'compacts by count and age up to keepAfter, moving the floor only',
  'finds where the changes committed at or after an instant start, until compaction passes it',
  'rotates the epoch, voiding the history but keeping records and the seq counter',
  'keeps data, epoch and head across a reopen',
] as const;
export type StoreTestName = (typeof STORE_TESTS)[number];

/** One fresh, empty store made by a factory, plus whatever the factory needs to find it again. */
export interface StoreInstance {
  store: Store;
  /** Removes what `create` made (files, schemas); runs after the suite closed the store. */
  cleanup(): Promise<void>;
}

export interface StoreFactory<I extends StoreInstance = StoreInstance> {
  create(): Promise<I>;
  /**
   * Durable stores: opens the data of `instance` again, after its store was closed. Without it,
   * the durability test is a printed skip ("keeps data, epoch and head across a reopen").
   */
  reopen?(instance: I): Promise<Store>;
}

interface StoreCtx {
  store: Store;
  reopen: (() => Promise<Store>) | undefined;
}

const id = <T>(d: T): T => d;
const create = (collection: string, rid: string, data: Record<string, unknown>, keepPrevious = false): Mutation => ({
  op: 'create',
  collection,
  id: rid,
  data,
  prepare: id,
  keepPrevious,
});

const cases: Record<StoreTestName, (c: StoreCtx) => Promise<void>> = {
  'starts empty with an epoch': async ({ store }) => {
    expect(store.epoch).toMatch(/^e-/);
    // A random 256-bit secret, made with the database.
    expect(await store.secret()).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.secret()).toBe(await store.secret());
    expect(await store.bounds()).toEqual({ floor: 0, head: 0 });
    expect(await store.collections()).toEqual([]);
  },
  'answers ping while open, refuses it once closed, and closes idempotently': async ({ store }) => {
    expect(store.kind).toMatch(/^[a-z][a-z0-9-]*$/);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
    // The suite closes it again after the test.
    await expect(store.close()).resolves.toBeUndefined();
  },
  'writes the record and its change together with gapless seqs': async ({ store }) => {
    const c1 = await store.mutate(create('agent', 'a1', { name: 'x' }));
    expect(c1).toMatchObject({ seq: 1, collection: 'agent', id: 'a1', action: 'created', version: 1, changed: ['name'] });
    const c2 = await store.mutate({ op: 'patch', collection: 'agent', id: 'a1', patch: { status: 'busy' }, prepare: id, keepPrevious: true });
    expect(c2).toMatchObject({ seq: 2, action: 'updated', version: 2, changed: ['status'] });
    expect(c2.previous?.data).toEqual({ name: 'x' });
    expect(c2.record.data).toEqual({ name: 'x', status: 'busy' });
    const c3 = await store.mutate({ op: 'replace', collection: 'agent', id: 'a1', data: { name: 'y' }, prepare: id, keepPrevious: false });
    expect(c3).toMatchObject({ seq: 3, version: 3 });
    expect(c3.changed.sort()).toEqual(['name', 'status']);
    expect(c3.previous).toBeUndefined();
    const c4 = await store.mutate({ op: 'delete', collection: 'agent', id: 'a1', keepPrevious: false });
    expect(c4).toMatchObject({ seq: 4, action: 'deleted', version: 4 });
    expect(c4.record.data).toEqual({ name: 'y' });
    expect(await store.get('agent', 'a1')).toBeUndefined();
    expect((await store.changesSince(0, {}, 100)).map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    expect(await store.bounds()).toEqual({ floor: 0, head: 4 });
  },
  'keeps the named fields a replace does not carry, and sets the ones it does': async ({ store }) => {
    await store.mutate(create('k', 'r', { name: 'a', secret: 's1', other: 1 }));
    const kept = await store.mutate({ op: 'replace', collection: 'k', id: 'r', data: { name: 'b' }, prepare: id, keepPrevious: false, keepFields: ['secret'] });
    expect(kept.record.data).toEqual({ name: 'b', secret: 's1' });
    const set = await store.mutate({
      op: 'replace',
      collection: 'k',
      id: 'r',
      data: { name: 'c', secret: 's2' },
      prepare: id,
      keepPrevious: false,
      keepFields: ['secret'],
    });
    expect(set.record.data).toEqual({ name: 'c', secret: 's2' });
    expect((await store.get('k', 'r'))!.data).toEqual({ name: 'c', secret: 's2' });
  },
  'refuses conflicting writes without logging anything': async ({ store }) => {
    await store.mutate(create('t', 'x', { a: 1 }));
    await expect(store.mutate(create('t', 'x', { a: 2 }))).rejects.toMatchObject({ code: 'already_exists' });
    await expect(store.mutate({ op: 'patch', collection: 't', id: 'nope', patch: {}, prepare: id, keepPrevious: false })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(store.mutate({ op: 'replace', collection: 't', id: 'x', data: {}, ifVersion: 7, prepare: id, keepPrevious: false })).rejects.toMatchObject({
      code: 'version_conflict',
    });
    await expect(store.mutate({ op: 'delete', collection: 't', id: 'x', ifVersion: 2, keepPrevious: false })).rejects.toMatchObject({
      code: 'version_conflict',
    });
    const failing = () => {
      throw new Error('validation says no');
    };
    await expect(store.mutate({ op: 'patch', collection: 't', id: 'x', patch: { a: 3 }, prepare: failing, keepPrevious: false })).rejects.toThrow(
      'validation says no',
    );
    expect((await store.get('t', 'x'))!.data).toEqual({ a: 1 });
    expect(await store.bounds()).toEqual({ floor: 0, head: 1 });
  },
  'refuses one of several concurrent writes without touching the others or the seq': async ({ store }) => {
    const results = await Promise.allSettled([
      store.mutate(create('g', 'a', { n: 1 })),
      store.mutate(create('g', 'a', { n: 2 })),
      store.mutate({ op: 'patch', collection: 'g', id: 'missing', patch: {}, prepare: id, keepPrevious: false }),
      store.mutate(create('g', 'b', { n: 3 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.seq : (r.reason as { code: string }).code))).toEqual([1, 'already_exists', 'not_found', 2]);
    expect((await store.changesSince(0, {}, 10)).map((c) => [c.seq, c.id])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect((await store.get('g', 'a'))!.data).toEqual({ n: 1 });
  },
  'strips server-owned fields from written data and merges patches (RFC 7386)': async ({ store }) => {
    await store.mutate(create('t', 'x', { id: 'evil', version: 9, createdAt: 'no', a: { b: 1, c: 2 }, d: 1 }));
    const r = await store.mutate({
      op: 'patch',
      collection: 't',
      id: 'x',
      patch: { a: { c: null, e: 3 }, d: null, updatedAt: 'no' },
      prepare: id,
      keepPrevious: false,
    });
    expect(r.record.data).toEqual({ a: { b: 1, e: 3 } });
    expect(r.record.id).toBe('x');
    expect(r.record.version).toBe(2);
  },
  'serialises concurrent writers into gapless, commit-ordered seqs': async ({ store }) => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.mutate(create('c', `r${i}`, { i }))));
    const log = await store.changesSince(0, {}, 1000);
    expect(log.map((c) => c.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(log.map((c) => c.id)).size).toBe(50);
  },
  'reads changes by collection and by record, bounded by upTo and limit, and counts them': async ({ store }) => {
    for (let i = 0; i < 6; i++) await store.mutate(create(i % 2 ? 'odd' : 'even', `r${i}`, { i }));
    await store.mutate({ op: 'patch', collection: 'even', id: 'r2', patch: { j: 1 }, prepare: id, keepPrevious: false });
    expect((await store.changesSince(0, { collection: 'even' }, 100)).map((c) => c.seq)).toEqual([1, 3, 5, 7]);
    expect((await store.changesSince(1, { collection: 'even', id: 'r2' }, 100)).map((c) => c.seq)).toEqual([3, 7]);
    expect((await store.changesSince(0, {}, 3)).map((c) => c.seq)).toEqual([1, 2, 3]);
    expect((await store.changesSince(2, {}, 100, 5)).map((c) => c.seq)).toEqual([3, 4, 5]);
    expect(await store.countChanges(0, 7, { collection: 'odd' })).toBe(3);
    expect(await store.countChanges(2, 7, { collection: 'even', id: 'r2' })).toBe(2);
    expect(await store.countChanges(0, 4, {})).toBe(4);
  },
  'snapshots records and the head in one view, and reports truncation': async ({ store }) => {
    for (let i = 0; i < 5; i++) await store.mutate(create('s', `r${i}`, { i }));
    const all = await store.snapshot('s', undefined, 10);
    expect(all).toMatchObject({ seq: 5, truncated: false });
    expect(all.records.map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect((await store.snapshot('s', undefined, 3)).truncated).toBe(true);
    expect((await store.snapshot('s', 'r3', 10)).records.map((r) => r.data)).toEqual([{ i: 3 }]);
    expect((await store.snapshot('s', 'zz', 10)).records).toEqual([]);
  },
  'snapshots only the records matching equality filters, truncation counting those': async ({ store }) => {
    for (let i = 0; i < 6; i++) await store.mutate(create('w', `r${i}`, { owner: i % 3 === 0 ? 'alice' : 'bob', meta: { n: i } }));
    const own = await store.snapshot('w', undefined, 10, { owner: 'alice' });
    expect(own).toMatchObject({ seq: 6, truncated: false });
    expect(own.records.map((r) => r.id)).toEqual(['r0', 'r3']);
    // Only the matching records count towards `max`: bob's four do not truncate alice's two.
    expect((await store.snapshot('w', undefined, 2, { owner: 'alice' })).truncated).toBe(false);
    expect((await store.snapshot('w', undefined, 3, { owner: 'bob' })).truncated).toBe(true);
    expect((await store.snapshot('w', undefined, 10, { 'meta.n': 4 })).records.map((r) => r.id)).toEqual(['r4']);
    expect((await store.snapshot('w', 'r1', 10, { owner: 'alice' })).records).toEqual([]);
    expect((await store.snapshot('w', 'r3', 10, { owner: 'alice' })).records.map((r) => r.id)).toEqual(['r3']);
  },
  'runs a guard inside the write: a refusal writes nothing, an invisible record is not found before its version is checked': async ({ store }) => {
    const refuse = new Error('refused by guard');
    const seen: Array<[string | undefined, unknown]> = [];
    await expect(
      store.mutate({
        ...create('g', 'r1', { owner: 'bob' }),
        guard: (current, next) => {
          seen.push([current?.id, next?.data]);
          throw refuse;
        },
      }),
    ).rejects.toBe(refuse);
    expect(seen).toEqual([[undefined, { owner: 'bob' }]]);
    expect(await store.get('g', 'r1')).toBeUndefined();
    expect(await store.bounds()).toEqual({ floor: 0, head: 0 });

    await store.mutate(create('g', 'r1', { owner: 'alice' }));
    // The guard sees the record as it is and as the patch would leave it.
    await expect(
      store.mutate({
        op: 'patch',
        collection: 'g',
        id: 'r1',
        patch: { owner: 'bob' },
        prepare: id,
        keepPrevious: false,
        guard: (current, next) => {
          seen.push([current?.data.owner as string, next?.data.owner]);
          throw refuse;
        },
      }),
    ).rejects.toBe(refuse);
    expect(seen.at(-1)).toEqual(['alice', 'bob']);
    expect((await store.get('g', 'r1'))?.data).toEqual({ owner: 'alice' });
    await expect(
      store.mutate({
        op: 'delete',
        collection: 'g',
        id: 'r1',
        keepPrevious: false,
        guard: () => {
          throw refuse;
        },
      }),
    ).rejects.toBe(refuse);
    // Invisible: not_found even with a wrong If-Match version, which would otherwise tell it exists.
    for (const m of [
      { op: 'delete', collection: 'g', id: 'r1', ifVersion: 9, keepPrevious: false },
      { op: 'patch', collection: 'g', id: 'r1', patch: { x: 1 }, ifVersion: 9, prepare: id, keepPrevious: false },
    ] as const) {
      await expect(store.mutate({ ...m, visible: () => false })).rejects.toMatchObject({ code: 'not_found' });
    }
    expect(await store.bounds()).toEqual({ floor: 0, head: 1 });
    expect((await store.get('g', 'r1'))?.version).toBe(1);
  },
  'lists with filters, order and cursor, reading the head with the page': async ({ store }) => {
    for (let i = 0; i < 5; i++) await store.mutate(create('l', `r${i}`, { g: i % 2, n: 5 - i, flag: i === 3, s: String(i) }));
    const q = (extra: Partial<Parameters<Store['list']>[1]>) => store.list('l', { filters: {}, order: { field: 'id', dir: 'asc' }, limit: 10, ...extra });
    expect((await q({ filters: { g: 1 } })).items.map((r) => r.id)).toEqual(['r1', 'r3']);
    expect((await q({ filters: { flag: true } })).items.map((r) => r.id)).toEqual(['r3']);
    expect((await q({ filters: { s: '2' } })).items.map((r) => r.id)).toEqual(['r2']);
    expect((await q({ filters: { s: 2 } })).items).toEqual([]);
    expect((await q({ filters: { missing: null } })).items).toHaveLength(5);
    expect((await q({ order: { field: 'n', dir: 'asc' } })).items.map((r) => r.id)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    const p1 = await q({ order: { field: 'n', dir: 'desc' }, limit: 2 });
    expect(p1.seq).toBe(5);
    expect(p1.items.map((r) => r.id)).toEqual(['r0', 'r1']);
    const p2 = await q({ order: { field: 'n', dir: 'desc' }, limit: 2, cursor: p1.nextCursor! });
    const p3 = await q({ order: { field: 'n', dir: 'desc' }, limit: 2, cursor: p2.nextCursor! });
    expect([...p2.items, ...p3.items].map((r) => r.id)).toEqual(['r2', 'r3', 'r4']);
    expect(p3.nextCursor).toBeUndefined();
    await expect(q({ order: { field: 'id', dir: 'asc' }, cursor: p1.nextCursor! })).rejects.toMatchObject({ code: 'invalid_cursor' });
  },
  'pages through records whose order field is missing (nulls) without skipping any': async ({ store }) => {
    for (let i = 0; i < 6; i++) await store.mutate(create('n', `r${i}`, i % 2 ? { p: i } : {}));
    for (const dir of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list('n', { filters: {}, order: { field: 'p', dir }, limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    }
  },
  'compacts by count and age up to keepAfter, moving the floor only': async ({ store }) => {
    for (let i = 0; i < 10; i++) await store.mutate(create('k', `r${i}`, {}));
    expect(await store.compact({ maxChanges: 4, maxAgeMs: 1e12 }, 3)).toBe(3);
    expect(await store.bounds()).toEqual({ floor: 3, head: 10 });
    expect(await store.compact({ maxChanges: 4, maxAgeMs: 1e12 }, 100)).toBe(3);
    expect(await store.bounds()).toEqual({ floor: 6, head: 10 });
    expect((await store.changesSince(0, {}, 100)).map((c) => c.seq)).toEqual([7, 8, 9, 10]);
    // maxAgeMs 1 covers every change once the clock is past the newest one's commit time.
    const newest = Date.parse((await store.changesSince(9, {}, 1))[0]!.ts);
    await eventually(() => Date.now() > newest + 1, 'the newest change is older than 1 ms');
    expect(await store.compact({ maxChanges: 1000, maxAgeMs: 1 }, 100)).toBe(4);
    expect(await store.bounds()).toEqual({ floor: 10, head: 10 });
    // Records are untouched and seqs continue after the compacted head.
    expect(await store.collections()).toEqual([{ name: 'k', count: 10 }]);
    expect((await store.mutate(create('k', 'new', {}))).seq).toBe(11);
  },
  'finds where the changes committed at or after an instant start, until compaction passes it': async ({ store }) => {
    // Waits (yielding, no fixed delay) until the clock has passed a stamp, and returns the time then.
    const after = async (ts: string): Promise<string> => {
      while (new Date().toISOString() <= ts) await new Promise((r) => setImmediate(r));
      return new Date().toISOString();
    };
    expect(await store.positionAt(new Date())).toBe(0);
    const c1 = await store.mutate(create('t', 'a', {}));
    const t1 = await after(c1.ts);
    await after(t1);
    const c2 = await store.mutate(create('t', 'b', {}));
    const t2 = await after(c2.ts);
    await after(t2);
    await store.mutate(create('t', 'c', {}));
    expect(await store.positionAt(new Date(0))).toBe(0);
    expect(await store.positionAt(new Date(t1))).toBe(1);
    expect(await store.positionAt(new Date(c2.ts))).toBe(1); // inclusive
    expect(await store.positionAt(new Date(t2))).toBe(2);
    expect(await store.positionAt(new Date(Date.now() + 3600_000))).toBe(3);
    // Compacting change 2 away: instants at or before its stamp can no longer be answered.
    await store.compact({ maxChanges: 1, maxAgeMs: 1e12 }, 3);
    expect(await store.positionAt(new Date(t1))).toBeUndefined();
    expect(await store.positionAt(new Date(c2.ts))).toBeUndefined();
    expect(await store.positionAt(new Date(t2))).toBe(2);
    // Rotation voids the history: nothing before it is answered.
    await store.rotateEpoch();
    expect(await store.positionAt(new Date(t2))).toBeUndefined();
  },
  'rotates the epoch, voiding the history but keeping records and the seq counter': async ({ store }) => {
    for (let i = 0; i < 3; i++) await store.mutate(create('e', `r${i}`, {}));
    const old = store.epoch;
    const fresh = await store.rotateEpoch();
    expect(fresh).not.toBe(old);
    expect(store.epoch).toBe(fresh);
    expect(await store.bounds()).toEqual({ floor: 3, head: 3 });
    expect(await store.changesSince(0, {}, 10)).toEqual([]);
    expect(await store.collections()).toEqual([{ name: 'e', count: 3 }]);
    expect((await store.mutate(create('e', 'next', {}))).seq).toBe(4);
  },
  'keeps data, epoch and head across a reopen': async (c) => {
    if (!c.reopen) throw new Error('planned without reopen()');
    let store = c.store;
    await store.mutate(create('d', 'x', { keep: true }));
    const epoch = store.epoch;
    const secret = await store.secret();
    await store.close();
    store = c.store = await c.reopen();
    expect(store.epoch).toBe(epoch);
    // The secret hubs derive keys from (sealed cursors) is the database's, not the process's.
    expect(await store.secret()).toBe(secret);
    expect(await store.bounds()).toEqual({ floor: 0, head: 1 });
    expect((await store.get('d', 'x'))!.data).toEqual({ keep: true });
    expect((await store.mutate(create('d', 'y', {}))).seq).toBe(2);
  },
};

/**
 * The contract every Store passes: records and the change log move together, seq is gapless and
 * commit-ordered, reads are consistent views, compaction moves the floor and nothing else.
 */
export function runStoreConformance<I extends StoreInstance>(name: string, factory: StoreFactory<I>, selection?: Selection<StoreTestName>): void {
  const suite = `Store conformance: ${name}`;
  const plan = planSuite(
    suite,
    STORE_TESTS,
    selection,
    factory.reopen ? {} : { 'keeps data, epoch and head across a reopen': 'the factory has no reopen() (not a durable store)' },
  );
  describe(suite, () => {
    let instance: I;
    let ctx: StoreCtx;
    beforeEach(async () => {
      instance = await factory.create();
      // Called on the factory: a class-based factory's reopen() may use `this`.
      ctx = { store: instance.store, reopen: factory.reopen ? () => factory.reopen!(instance) : undefined };
    });
    afterEach(async () => {
      await ctx.store.close();
      await instance.cleanup();
    });
    registerSuite(suite, STORE_TESTS, cases, () => ctx, plan);
  });
}
