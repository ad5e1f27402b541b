import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { perTest } from './helpers/hub-fixture.js';

const { hub: hubOn, defer } = perTest();

describe('commit before announce', () => {
  it('acknowledges and announces a write only once it is committed, as seen from another connection', async () => {
    const hub = await hubOn();
    // Another connection sees only committed data: what a crash right now would leave on disk.
    const other = new Database(hub.dbFile, { readonly: true, fileMustExist: true });
    defer(() => {
      other.close();
    });
    const inLog = other.prepare<[number], { n: number }>('SELECT count(*) AS n FROM changes WHERE seq = ?');
    const committed = (seq: number): boolean => inLog.get(seq)!.n === 1;

    // Both checks run synchronously where the write path hands the change on, before any later turn.
    const announced: Array<{ seq: number; committed: boolean }> = [];
    const unsubscribe = await hub.bus.subscribe((m) => {
      if (m.kind === 'change') announced.push({ seq: m.change.seq, committed: committed(m.change.seq) });
    });
    defer(unsubscribe);
    // Concurrent writes share group commits, so batches of several are covered too.
    const acked = await Promise.all(
      Array.from({ length: 20 }, (_, i) => hub.collections.create('item', { i }).then((c) => ({ seq: c.seq, committed: committed(c.seq) }))),
    );

    const all = Array.from({ length: 20 }, (_, i) => ({ seq: i + 1, committed: true }));
    expect(acked.sort((a, b) => a.seq - b.seq)).toEqual(all);
    expect(announced).toEqual(all);
  });
});
