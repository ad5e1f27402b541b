import { describe, expect, it } from 'vitest';
import { createHub, SqliteStore } from '../src/index.js';
import { api, perTest, type startHub, tempDir, UNLIMITED_HTTP_RATE } from './helpers/hub-fixture.js';
import { LaggyStore } from './helpers/laggy-store.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

type Hub = Awaited<ReturnType<typeof startHub>>;
const { hub: hubOn, defer } = perTest();

/** Seqs of every logged change of a collection after `since`, from the HTTP change log. */
async function loggedSeqs(base: string, channel: string, since: number): Promise<number[]> {
  const out: number[] = [];
  for (let at = since; ;) {
    const page = await api(base, 'GET', `/api/changes?since=${at}&channels=${channel}&limit=1000`);
    out.push(...page.body.changes.map((c: { seq: number }) => c.seq));
    if (!page.body.more) return out;
    at = page.body.seq;
  }
}

describe('resume without gaps', () => {
  it('replays exactly the missed events in order after a disconnect, then live ones, no duplicates', async () => {
    const hub = await hubOn();
    const { body: a1 } = await api(hub.url, 'POST', '/api/c/agent', { id: 'a1', n: 0 });
    const c1 = await TestClient.connect(hub.url);
    await c1.subscribe('agent');
    await c1.subscribe('agent:a1');
    await api(hub.url, 'PATCH', '/api/c/agent/a1', { n: 1 });
    await c1.until((all) => all.filter((m) => m.type === 'event').length === 2);
    const last = Math.max(...c1.events().map((e) => e.seq!));
    c1.close();
    await c1.closed();

    // Missed while away: agent changes, the record's changes, and noise on another collection.
    for (let i = 2; i <= 6; i++) await api(hub.url, 'PATCH', '/api/c/agent/a1', { n: i });
    await api(hub.url, 'POST', '/api/c/other', { x: 1 });
    const { body: a2 } = await api(hub.url, 'POST', '/api/c/agent', { id: 'a2' });

    const c2 = await TestClient.connect(hub.url);
    const subA = await c2.subscribe('agent', { since: last, epoch: hub.store.epoch });
    expect(subA.replayed).toBe(6);
    expect(subA.reset).toBeUndefined();
    const subR = await c2.subscribe('agent:a1', { since: last, epoch: hub.store.epoch });
    expect(subR.replayed).toBe(5);
    await api(hub.url, 'PATCH', '/api/c/agent/a1', { n: 7 });
    await c2.until((all) => all.filter((m) => m.type === 'event').length === 6 + 5 + 2);

    const agentSeqs = c2.events('agent').map((e) => e.seq!);
    expect(agentSeqs).toEqual(await loggedSeqs(hub.url, 'agent', last));
    expect(new Set(agentSeqs).size).toBe(agentSeqs.length);
    expect(c2.events('agent:a1').map((e) => e.data.record && (e.data.record as { n: number }).n)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(c2.events('agent').at(-2)!.data.id).toBe(a2.id);
    // `subscribed` comes before its replayed events.
    const subscribedAt = c2.messages.indexOf(subA);
    const firstReplayed = c2.messages.findIndex((m) => m.type === 'event' && m.channel === 'agent');
    expect(subscribedAt).toBeLessThan(firstReplayed);
    expect(a1.id).toBe('a1');
    c2.close();
  });

  it('resumes across a hub restart on the same database file', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const db = `${tmp.dir}/hub.db`;
    const first = createHub({ db, port: 0, logLevel: 'silent' });
    await first.start();
    const c1 = await TestClient.connect(first.url);
    await c1.subscribe('task');
    for (let i = 0; i < 3; i++) await api(first.url, 'POST', '/api/c/task', { id: `t${i}` });
    await c1.until((all) => all.filter((m) => m.type === 'event').length === 3);
    const last = c1.events().at(-1)!.seq!;
    const epoch = first.store.epoch;
    await first.stop();
    expect(await c1.closed()).toBe(1001);

    const second = createHub({ db, port: 0, logLevel: 'silent' });
    await second.start();
    defer(() => second.stop());
    expect(second.store.epoch).toBe(epoch);
    for (let i = 3; i < 6; i++) await api(second.url, 'POST', '/api/c/task', { id: `t${i}` });
    const c2 = await TestClient.connect(second.url);
    const sub = await c2.subscribe('task', { since: last, epoch });
    expect(sub.replayed).toBe(3);
    await api(second.url, 'POST', '/api/c/task', { id: 't6' });
    await c2.until((all) => all.filter((m) => m.type === 'event').length === 4);
    expect(c2.events().map((e) => e.data.id)).toEqual(['t3', 't4', 't5', 't6']);
    expect(c2.events().map((e) => e.seq)).toEqual([last + 1, last + 2, last + 3, last + 4]);
    c2.close();
  });
});

/** The race-prone paths run on SQLite as is and with latency injected around every store call. */
const stores = [
  { name: 'sqlite', laggy: false },
  { name: 'sqlite with injected latency', laggy: true },
];
/** Its writers go as fast as the hub answers, from one address: over the HTTP rate's default. */
async function raceHub(laggy: boolean, given: Parameters<typeof startHub>[0] = {}): Promise<Hub> {
  const opts = { ...given, limits: UNLIMITED_HTTP_RATE };
  if (!laggy) return hubOn(opts);
  const tmp = tempDir();
  defer(() => tmp.cleanup());
  const store = new LaggyStore(new SqliteStore({ file: `${tmp.dir}/laggy.db`, durability: 'normal' }));
  return hubOn({ ...opts, store, feedPollMs: 50 });
}

describe.each(stores)('under concurrent writes ($name)', ({ laggy }) => {
  it('resume while writes keep coming delivers every change once, in order', async () => {
    const hub = await raceHub(laggy, { replayPageSize: 7 });
    for (let i = 0; i < 40; i++) await api(hub.url, 'POST', '/api/c/log', { i });
    let writing = true;
    const writer = (async () => {
      let i = 0;
      while (writing && i < 400) await api(hub.url, 'POST', '/api/c/log', { w: i++ });
    })();
    const clients: TestClient[] = [];
    for (let round = 0; round < 8; round++) {
      const c = await TestClient.connect(hub.url);
      clients.push(c);
      await c.subscribe('log', { since: round * 3, epoch: hub.store.epoch });
    }
    writing = false;
    await writer;
    const head = (await api(hub.url, 'GET', '/healthz')).body.seq as number;
    for (const [round, c] of clients.entries()) {
      await c.until((all) => all.some((m) => m.type === 'event' && m.seq === head), 10_000);
      const seqs = c.events('log').map((e) => e.seq!);
      const expected = Array.from({ length: head - round * 3 }, (_, k) => round * 3 + 1 + k);
      expect(seqs).toEqual(expected);
      c.close();
    }
  });
  it('snapshot then live events equal the final state (write while subscribing, in a loop)', async () => {
    const hub = await raceHub(laggy);
    for (let i = 0; i < 20; i++) await api(hub.url, 'POST', '/api/c/card', { id: `k${i}`, v: 0 });
    for (let round = 0; round < 10; round++) {
      let writing = true;
      let written = 0;
      const writers = [0, 1, 2].map(async (w) => {
        let n = 0;
        while (writing && n < 200) {
          const id = `k${(n * 7 + w) % 20}`;
          if (n % 11 === 5) await api(hub.url, 'DELETE', `/api/c/card/${id}`);
          else if (n % 11 === 6) await api(hub.url, 'POST', '/api/c/card', { id, v: n });
          else await api(hub.url, 'PATCH', `/api/c/card/${id}`, { v: n, w });
          n++;
          written++;
        }
      });
      // Subscribe while the writers are under way.
      await waitFor(() => written > 0, 'the writers to start');
      const c = await TestClient.connect(hub.url);
      const sub = await c.subscribe('card', { snapshot: true });
      writing = false;
      await Promise.all(writers);
      const head = (await api(hub.url, 'GET', '/healthz')).body.seq as number;
      if (head > (sub.seq as number)) await c.until((all) => all.some((m) => m.type === 'event' && m.seq === head), 10_000);

      // Apply the live events to the snapshot: the result must equal the state the API reports.
      const state = new Map<string, Record<string, unknown>>();
      for (const r of sub.snapshot as Array<Record<string, unknown>>) state.set(r.id as string, r);
      let prev = sub.seq as number;
      for (const e of c.events('card')) {
        expect(e.seq!).toBeGreaterThan(prev);
        prev = e.seq!;
        const d = e.data as { id: string; action: string; record: Record<string, unknown> };
        if (d.action === 'deleted') state.delete(d.id);
        else state.set(d.id, d.record);
      }
      const list = await api(hub.url, 'GET', '/api/c/card?limit=1000&order=id');
      const truth = new Map<string, Record<string, unknown>>(list.body.items.map((r: Record<string, unknown>) => [r.id, r]));
      expect(Object.fromEntries(state)).toEqual(Object.fromEntries(truth));
      c.close();
    }
  });
});

describe('snapshot', () => {
  it('returns one record for a record channel and an empty list for an ephemeral channel', async () => {
    const hub = await hubOn();
    await api(hub.url, 'POST', '/api/c/agent', { id: 'solo', name: 's' });
    const c = await TestClient.connect(hub.url);
    const one = await c.subscribe('agent:solo', { snapshot: true });
    expect(one.snapshot).toEqual([expect.objectContaining({ id: 'solo', name: 's', version: 1 })]);
    const none = await c.subscribe('agent:missing', { snapshot: true });
    expect(none.snapshot).toEqual([]);
    const eph = await c.subscribe('session:1', { snapshot: true });
    expect(eph.snapshot).toEqual([]);
    c.close();
  });

  it('refuses a snapshot larger than maxSnapshotRecords with a clear error', async () => {
    const hub = await hubOn({ maxSnapshotRecords: 3 });
    for (let i = 0; i < 4; i++) await api(hub.url, 'POST', '/api/c/big', { i });
    const c = await TestClient.connect(hub.url);
    c.send({ type: 'subscribe', id: 'big', channel: 'big', snapshot: true });
    const err = await c.waitFor((m) => m.type === 'error' && m.id === 'big');
    expect(err.code).toBe('snapshot_too_large');
    // The refused subscription left nothing behind: events do not arrive.
    await api(hub.url, 'POST', '/api/c/big', { i: 5 });
    c.send({ type: 'ping', id: 'after' });
    await c.waitFor((m) => m.type === 'pong');
    expect(c.events('big')).toHaveLength(0);
    c.close();
  });
});

describe('reset', () => {
  it('resets a position the log no longer keeps, and serves a snapshot with it when asked', async () => {
    const hub = await hubOn({ retention: { maxChanges: 5, intervalMs: 60_000 } });
    for (let i = 0; i < 12; i++) await api(hub.url, 'POST', '/api/c/ev', { id: `e${i}` });
    expect(await hub.store.compact({ maxChanges: 5, maxAgeMs: 1e12 }, hub.hub.lowWaterMark())).toBe(7);
    const bounds = await hub.store.bounds();
    expect(bounds).toEqual({ floor: 7, head: 12 });

    const c = await TestClient.connect(hub.url);
    const old = await c.subscribe('ev', { since: 3, epoch: hub.store.epoch });
    expect(old).toMatchObject({ reset: true, replayed: 0, seq: 12 });
    const withSnap = await c.subscribe('ev', { since: 3, snapshot: true });
    expect(withSnap.reset).toBe(true);
    expect((withSnap.snapshot as unknown[]).length).toBe(12);
    // A position the log still covers resumes normally, right at the floor.
    const ok = await c.subscribe('ev', { since: 7, epoch: hub.store.epoch });
    expect(ok.reset).toBeUndefined();
    expect(ok.replayed).toBe(5);
    const http = await api(hub.url, 'GET', '/api/changes?since=2');
    expect(http.body.reset).toBe(true);
    c.close();
  });

  it('resets a position from another epoch or beyond the head', async () => {
    const hub = await hubOn();
    await api(hub.url, 'POST', '/api/c/x', { id: 'one' });
    const c = await TestClient.connect(hub.url);
    const foreign = await c.subscribe('x', { since: 1, epoch: 'e-someotherlog' });
    expect(foreign.reset).toBe(true);
    const ahead = await c.subscribe('x', { since: 999 });
    expect(ahead.reset).toBe(true);
    c.close();
  });

  it('gives a new epoch to a new database, so old positions reset', async () => {
    const a = await hubOn();
    const b = await hubOn();
    expect(a.store.epoch).not.toBe(b.store.epoch);
    await api(b.url, 'POST', '/api/c/x', { id: 'one' });
    await api(b.url, 'POST', '/api/c/x', { id: 'two' });
    const c = await TestClient.connect(b.url);
    const sub = await c.subscribe('x', { since: 1, epoch: a.store.epoch, snapshot: true });
    expect(sub.reset).toBe(true);
    expect((sub.snapshot as unknown[]).length).toBe(2);
    c.close();
  });
});
