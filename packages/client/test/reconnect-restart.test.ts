import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, perTest, tempDir } from '../../server/test/helpers/hub-fixture.js';
import { readWholeLog } from '../../server/test/helpers/write-load.js';
import { createClient, type LivehubClient } from '../src/index.js';
import { freePort, hubProcess, restartableHub, stopHub } from './helpers/hub-process.js';
import { record } from './helpers/recorder.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const { defer } = perTest();

describe('reconnect after a hub restart (real hub processes)', () => {
  it('resumes every subscription from its seq: changes made while the hub was down arrive once, in order, with no reset', async () => {
    const { db, port, hub: first } = await restartableHub(defer);

    const c: LivehubClient = createClient({ url: first.url, reconnect: { initialDelayMs: 50, maxDelayMs: 250 } });
    defer(() => c.close());
    const states: string[] = [];
    c.on('state', (s) => states.push(s.to));
    const plans: Array<{ code: number; delayMs: number }> = [];
    c.on('reconnect', (r) => plans.push(r));
    const items = c.subscribe('item', { snapshot: true });
    const one = c.subscribe('item:i3');
    const recItems = record(items);
    const recOne = record(one);
    const subStates: string[] = [];
    items.on('state', (s) => subStates.push(s.to));
    await Promise.all([items.ready, one.ready]);

    const write = (base: string, method: string, path: string, body?: unknown) =>
      api(base, method, path, body).then((r) => {
        if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      });
    for (let i = 0; i < 10; i++) await write(first.url, 'POST', '/api/c/item', { id: `i${i}`, n: 0 });
    await waitFor(() => recItems.seqs.length === 10, 'the first 10 changes');

    // Graceful stop: the client gets 1001 and starts reconnecting against a port nobody listens on.
    await stopHub(first);
    await waitFor(() => c.state === 'reconnecting', 'reconnecting');

    // Meanwhile another hub process on the same database takes writes.
    const other = await hubProcess(db, await freePort());
    defer(() => stopHub(other));
    for (let i = 0; i < 10; i++) await write(other.url, 'PATCH', `/api/c/item/i${i}`, { n: 1 });
    for (let i = 10; i < 15; i++) await write(other.url, 'POST', '/api/c/item', { id: `i${i}`, n: 0 });
    await write(other.url, 'DELETE', '/api/c/item/i3');
    await write(other.url, 'DELETE', '/api/c/item/i11');
    await stopHub(other);
    expect(c.isConnected).toBe(false);

    // The hub comes back on the client's address; the client catches up, then follows live writes.
    const back = await hubProcess(db, port);
    defer(() => stopHub(back));
    await waitFor(() => c.isConnected, 'reconnected', 15_000);
    for (const id of ['i10', 'i12', 'i13', 'i14', 'i0']) await write(back.url, 'PATCH', `/api/c/item/${id}`, { n: 2 });

    const log = await readWholeLog(back.url);
    await waitFor(() => recItems.seqs.at(-1) === log.head, 'every change up to the head');
    expect(recItems.seqs).toEqual(log.entries.map((e) => e.seq));
    expect(recOne.seqs).toEqual(log.entries.filter((e) => e.id === 'i3').map((e) => e.seq));
    // Caches reloaded once (the initial snapshot), not on the reconnect.
    expect(recItems.resets.map((r) => r.reason)).toEqual(['initial']);
    expect(recOne.resets).toEqual([]);

    const list = await api(back.url, 'GET', '/api/c/item?order=id&limit=100');
    const expected = new Map((list.body.items as Array<{ id: string; version: number }>).map((r) => [r.id, r.version]));
    expect(new Map([...recItems.state].map(([id, r]) => [id, r.version]))).toEqual(expected);

    // (createClient already moved idle → connecting before the listener was attached.)
    expect(states).toEqual(['connected', 'reconnecting', 'connected']);
    expect(subStates).toEqual(['subscribed', 'resyncing', 'subscribed']);
    expect(c.reconnectAttempts).toBe(0);
    // 1001 (going away) is retried at once; the refused attempts after it back off.
    expect(plans[0]).toMatchObject({ code: 1001, delayMs: 0 });
    expect(plans.length).toBeGreaterThan(1);
  }, 45_000);

  it('a hub on a replaced database (new epoch) makes each subscription reset once, with a fresh snapshot', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const port = await freePort();
    const first = await hubProcess(join(tmp.dir, 'a.db'), port);
    defer(() => stopHub(first));
    for (let i = 0; i < 3; i++) await api(first.url, 'POST', '/api/c/item', { id: `old${i}` });
    const c = createClient({ url: first.url, reconnect: { initialDelayMs: 50, maxDelayMs: 250 } });
    defer(() => c.close());
    const withSnapshot = c.subscribe('item', { snapshot: true });
    const liveOnly = c.subscribe('item:new1');
    const rec = record(withSnapshot);
    const recLive = record(liveOnly);
    await Promise.all([withSnapshot.ready, liveOnly.ready]);
    const oldEpoch = c.epoch;

    await stopHub(first);
    const second = await hubProcess(join(tmp.dir, 'b.db'), port);
    defer(() => stopHub(second));
    for (let i = 0; i < 2; i++) await api(second.url, 'POST', '/api/c/item', { id: `new${i}` });
    await waitFor(() => rec.resets.length === 2 && recLive.resets.length === 1, 'one reset each', 15_000);
    await waitFor(() => rec.state.size === 2, 'the new records');
    expect(c.epoch).not.toBe(oldEpoch);
    // The client may have come back between the two writes: the snapshot holds what existed at its seq, events the rest.
    const reset = rec.resets[1]!;
    expect(reset).toMatchObject({ reason: 'epoch_changed', epoch: c.epoch });
    expect(reset.snapshot!.map((r) => r.id)).toEqual(['new0', 'new1'].slice(0, reset.seq));
    expect([...rec.state.keys()].sort()).toEqual(['new0', 'new1']);
    // Without `snapshot`, the reset says "refetch yourself" and carries no records.
    expect(recLive.resets[0]).toMatchObject({ reason: 'epoch_changed' });
    expect(recLive.resets[0]!.snapshot).toBeUndefined();
    await api(second.url, 'PATCH', '/api/c/item/new1', { n: 1 });
    await waitFor(() => rec.seqs.at(-1) === 3 && recLive.seqs.at(-1) === 3, 'the next change');
    expect(rec.resets).toHaveLength(2);
  }, 30_000);
});
