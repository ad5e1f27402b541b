import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ChangeFeed } from '../../src/hub/change-feed.js';
import { SqliteStore, type Change } from '../../src/index.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

const log = pino({ level: 'silent' });
const prepare = <T>(d: T) => d;

async function storeWith(n: number): Promise<{ store: SqliteStore; changes: Change[] }> {
  const store = new SqliteStore({ file: ':memory:', durability: 'normal' });
  const changes: Change[] = [];
  for (let i = 0; i < n; i++) changes.push(await store.mutate({ op: 'create', collection: 'c', id: `r${i}`, data: {}, prepare, keepPrevious: false }));
  return { store, changes };
}

const untilHead = (feed: ChangeFeed, head: number) =>
  waitFor(
    () => feed.head >= head,
    () => `the feed to reach ${head} (at ${feed.head})`,
    1000,
  );

describe('ChangeFeed', () => {
  it('emits in order when announcements arrive out of order, filling the gap from the log', async () => {
    const { store, changes } = await storeWith(0);
    const emitted: number[] = [];
    const feed = new ChangeFeed(store, (c) => emitted.push(c.seq), log, 2);
    await feed.start(60_000);
    for (let i = 0; i < 6; i++) changes.push(await store.mutate({ op: 'create', collection: 'c', id: `r${i}`, data: {}, prepare, keepPrevious: false }));
    // 1 arrives, 2 is lost, 5 and 4 overtake 3, 6 never arrives, 1 is duplicated.
    for (const i of [0, 4, 3, 2, 0]) feed.receive(changes[i]!);
    await untilHead(feed, 6);
    expect(emitted).toEqual([1, 2, 3, 4, 5, 6]);
    feed.stop();
  });

  it('catches changes no announcement reported by polling the head', async () => {
    const { store } = await storeWith(3);
    const emitted: number[] = [];
    const feed = new ChangeFeed(store, (c) => emitted.push(c.seq), log);
    await feed.start(10);
    expect(feed.head).toBe(3);
    await store.mutate({ op: 'create', collection: 'c', id: 'late', data: {}, prepare, keepPrevious: false });
    await untilHead(feed, 4);
    expect(emitted).toEqual([4]);
    feed.stop();
  });

  it('keeps going when a subscriber throws', async () => {
    const { store } = await storeWith(0);
    const emitted: number[] = [];
    const feed = new ChangeFeed(
      store,
      (c) => {
        emitted.push(c.seq);
        if (c.seq === 1) throw new Error('fan-out bug');
      },
      log,
    );
    await feed.start(60_000);
    for (let i = 0; i < 2; i++) feed.receive(await store.mutate({ op: 'create', collection: 'c', id: `x${i}`, data: {}, prepare, keepPrevious: false }));
    expect(emitted).toEqual([1, 2]);
    feed.stop();
  });

  it('reports changes compacted before it emitted them, then carries on', async () => {
    const { store, changes } = await storeWith(0);
    const emitted: number[] = [];
    const gaps: Array<[number, number]> = [];
    const feed = new ChangeFeed(
      store,
      (c) => emitted.push(c.seq),
      log,
      1000,
      (from, to) => gaps.push([from, to]),
    );
    await feed.start(60_000);
    for (let i = 0; i < 5; i++) changes.push(await store.mutate({ op: 'create', collection: 'c', id: `g${i}`, data: {}, prepare, keepPrevious: false }));
    // Another node compacts down to two changes before this one hears of any.
    await store.compact({ maxChanges: 2, maxAgeMs: 1e12 }, Number.MAX_SAFE_INTEGER);
    feed.receive(changes[4]!);
    await untilHead(feed, 5);
    expect(gaps).toEqual([[1, 3]]);
    expect(emitted).toEqual([4, 5]);
    feed.stop();
  });
});
