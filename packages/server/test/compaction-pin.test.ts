import { describe, expect, it } from 'vitest';
import { SqliteStore, type Change, type ChangeFilter, type RetentionPolicy } from '../src/index.js';
import { perTest, tempDir } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const { hub: hubOn, defer } = perTest();

/**
 * The real SQLite store, with the order of two calls forced: compaction is a no-op until a replay
 * of `channel` has read its first page, and each further replay page waits for a compaction that
 * started after it asked. So the hub's own retention timer runs between every two replay pages,
 * whatever the timing, and its `keepAfter` is whatever the hub reports while the replay is open.
 */
class CompactionBetweenPages extends SqliteStore {
  private pages = 0;
  private waiting: Array<() => void> = [];

  constructor(
    file: string,
    private readonly collection: string,
  ) {
    super({ file, durability: 'normal' });
  }

  override async compact(policy: RetentionPolicy, keepAfter: number): Promise<number> {
    if (this.pages === 0) return 0;
    const woken = this.waiting.splice(0);
    const dropped = await super.compact(policy, keepAfter);
    for (const wake of woken) wake();
    return dropped;
  }

  override async changesSince(since: number, filter: ChangeFilter, limit: number, upTo?: number): Promise<Change[]> {
    if (filter.collection === this.collection && this.pages++ > 0) await new Promise<void>((r) => this.waiting.push(r));
    return super.changesSince(since, filter, limit, upTo);
  }
}

describe('compaction pinned by a replay', () => {
  it("the hub's retention timer never drops changes a replay in progress still has to send", async () => {
    const tmp = tempDir();
    defer(async () => tmp.cleanup());
    const store = new CompactionBetweenPages(`${tmp.dir}/pin.db`, 'ev');
    // maxChanges 3 of 12: unpinned, the first compaction moves the floor to 9, mid-replay.
    const hub = await hubOn({ store, retention: { maxChanges: 3, maxAgeMs: 1e12, intervalMs: 10 }, replayPageSize: 2 });
    for (let i = 0; i < 12; i++) await hub.collections.create('ev', { id: `e${i}` });
    const c = await TestClient.connect(hub.url);
    c.send({ type: 'subscribe', id: 'r', channel: 'ev', since: 0, epoch: store.epoch });

    await c.waitFor((m) => (m.type === 'event' && m.seq === 12) || (m.type === 'error' && m.id === 'r'), { timeoutMs: 10_000 });
    expect(c.messages.filter((m) => m.type === 'error')).toEqual([]);
    expect(c.messages.find((m) => m.type === 'subscribed')).toMatchObject({ id: 'r', replayed: 12 });
    expect(c.events('ev').map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Once the replay is done the pin is gone: the timer compacts to the retention bound.
    await waitFor(async () => (await store.bounds()).floor === 9, 'compaction to floor 9 after the replay');
    c.close();
  });
});
