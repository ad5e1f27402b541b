import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, freePort, write } from './helpers/cluster.js';
import type { HubProcess } from './helpers/spawn-hub.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

let cluster: Cluster | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.stop();
  cluster = undefined;
});

async function ws(node: HubProcess): Promise<TestClient> {
  const c = await TestClient.connect(node.url);
  clients.push(c);
  return c;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** A record as text with its keys sorted: JSON key order is not data (PostgreSQL's jsonb reorders keys). */
const canonical = (r: unknown): string =>
  JSON.stringify(r, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
const seqs = (c: TestClient) => c.events('card').map((e) => e.seq!);

describe('a cluster under concurrency and failures', () => {
  it('3 × 8 concurrent writers through all nodes give one gapless order that every client on every node sees identically', async () => {
    cluster = await Cluster.create();
    const nodes = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
    const watchers = await Promise.all(nodes.flatMap((n) => [ws(n), ws(n)]));
    await Promise.all(watchers.map((w) => w.subscribe('card')));
    const perWriter = 15;
    const acked = await Promise.all(
      nodes.flatMap((node, n) =>
        Array.from({ length: 8 }, async (_, w) => {
          const got: number[] = [];
          for (let i = 0; i < perWriter; i++) got.push(await write(node, 'card', { node: n, writer: w, i }));
          return got;
        }),
      ),
    );
    const total = 3 * 8 * perWriter;
    // Every acknowledged seq is distinct, and together they are 1..total: no gap, no reuse.
    expect(acked.flat().sort((x, y) => x - y)).toEqual(range(1, total));
    for (const w of watchers) await w.until(() => seqs(w).length >= total, 15_000);
    const reference = watchers[0]!.events('card').map((e) => `${e.seq}:${canonical(e.data.record)}`);
    expect(seqs(watchers[0]!)).toEqual(range(1, total));
    for (const w of watchers) expect(w.events('card').map((e) => `${e.seq}:${canonical(e.data.record)}`)).toEqual(reference);
  });

  it('kill -9 of a node under load loses no acknowledged write, and its clients resume on another', async () => {
    cluster = await Cluster.create();
    const [a, b] = await Promise.all([cluster.start(), cluster.start()]);
    const onA = await ws(a);
    await onA.subscribe('card', { since: 0 });
    const acked: number[] = [];
    let stop = false;
    // Writers through A until it dies; what A acknowledged must survive it.
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try {
          acked.push(await write(a, 'card', { w, i }));
        } catch {
          return;
        }
      }
    });
    await waitFor(() => acked.length >= 40, 'forty acknowledged writes', 15_000);
    a.proc.kill('SIGKILL');
    await a.exited;
    stop = true;
    await Promise.all(writers);
    const last = Math.max(0, ...seqs(onA));
    // The client resumes on B from the last seq it saw.
    const onB = await ws(b);
    await onB.subscribe('card', { since: last });
    const head = (await (await fetch(`${b.url}/healthz`)).json()) as { seq: number };
    await onB.until(() => Math.max(last, ...seqs(onB)) >= head.seq, 10_000);
    const seen = [...seqs(onA), ...seqs(onB)];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort((x, y) => x - y)).toEqual(range(1, head.seq));
    for (const s of acked) expect(seen).toContain(s);
  });

  it('restarting Redis mid-stream loses no durable event for any client', async () => {
    cluster = await Cluster.create();
    const redisPort = await freePort();
    const redis = await cluster.ownRedis(redisPort);
    cluster.redisUrl = redis.url;
    const [a, b] = await Promise.all([cluster.start(), cluster.start()]);
    const onB = await ws(b);
    await onB.subscribe('card');
    for (let i = 0; i < 10; i++) await write(a, 'card', { i });
    await onB.until(() => seqs(onB).length === 10);
    redis.proc.kill('SIGKILL');
    // Written while the bus is down: durable, and found by B's log poll.
    for (let i = 10; i < 20; i++) await write(a, 'card', { i });
    await onB.until(() => seqs(onB).length === 20, 10_000);
    await cluster.ownRedis(redisPort);
    for (let i = 20; i < 30; i++) await write(a, 'card', { i });
    await onB.until(() => seqs(onB).length === 30, 10_000);
    expect(seqs(onB)).toEqual(range(1, 30));
  });
});
