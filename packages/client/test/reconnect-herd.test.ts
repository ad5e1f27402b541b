import { describe, expect, it } from 'vitest';
import { api, perTest } from '../../server/test/helpers/hub-fixture.js';
import { readVersions } from '../../server/test/helpers/write-load.js';
import { createClient, type LivehubClient } from '../src/index.js';
import { freePort, hubProcess, restartableHub, stopHub } from './helpers/hub-process.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const CLIENTS = 1000;

/** What one app instance keeps: its cache, and proof that seqs only went up. */
interface Replica {
  client: LivehubClient;
  versions: Map<string, number>;
  lastSeq: number;
  outOfOrder: number;
  resets: number;
}

const { defer } = perTest();

async function write(base: string, method: string, path: string, body?: unknown): Promise<void> {
  const r = await api(base, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

describe(`${CLIENTS} clients reconnecting at once (real hub process)`, () => {
  it('all converge on the same final state after a hub restart, each change applied once and in order', async () => {
    const { db, port, hub: first } = await restartableHub(defer);
    await Promise.all(Array.from({ length: 20 }, (_, i) => write(first.url, 'POST', '/api/c/item', { id: `i${i}`, n: 0 })));

    const replicas: Replica[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      // Pings off: a thousand timers would only add noise; the hub's own heartbeats keep sockets honest.
      const client = createClient({ url: first.url, heartbeatMs: 0, reconnect: { initialDelayMs: 300, factor: 2, maxDelayMs: 2000 } });
      const r: Replica = { client, versions: new Map(), lastSeq: 0, outOfOrder: 0, resets: 0 };
      const sub = client.subscribe('item', { snapshot: true });
      sub.on('reset', (info) => {
        r.resets++;
        r.versions = new Map((info.snapshot ?? []).map((rec) => [rec.id, rec.version]));
        r.lastSeq = info.seq;
      });
      sub.on('event', (e) => {
        if (e.seq === undefined) return;
        if (e.seq <= r.lastSeq) r.outOfOrder++;
        r.lastSeq = e.seq;
        const d = e.data as { id: string; action: string; version: number };
        if (d.action === 'deleted') r.versions.delete(d.id);
        else r.versions.set(d.id, d.version);
      });
      replicas.push(r);
    }
    defer(() => {
      for (const r of replicas) r.client.close();
    });
    await waitFor(() => replicas.every((r) => r.client.isConnected && r.resets === 1), 'every client connected with its snapshot', 30_000);

    await stopHub(first);
    await waitFor(() => replicas.every((r) => !r.client.isConnected), 'every client saw the hub go');

    // Changes while the hub is away, through another process on the same database.
    const other = await hubProcess(db, await freePort());
    defer(() => stopHub(other));
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    await Promise.all(range(0, 20).map((i) => write(other.url, 'PATCH', `/api/c/item/i${i}`, { n: 1 })));
    await Promise.all(range(20, 30).map((i) => write(other.url, 'POST', '/api/c/item', { id: `i${i}`, n: 0 })));
    await Promise.all(range(0, 5).map((i) => write(other.url, 'DELETE', `/api/c/item/i${i * 2}`)));
    await stopHub(other);

    const back = await hubProcess(db, port);
    defer(() => stopHub(back));
    await waitFor(() => replicas.every((r) => r.client.isConnected), 'every client back', 30_000);
    await Promise.all(range(20, 30).map((i) => write(back.url, 'PATCH', `/api/c/item/i${i}`, { n: 2 })));

    const head = ((await api(back.url, 'GET', '/healthz')).body as { seq: number }).seq;
    await waitFor(() => replicas.every((r) => r.lastSeq === head), 'every client at the head', 30_000);
    const truth = await readVersions(back.url, 'item');
    const diverged = replicas.filter((r) => r.versions.size !== truth.size || [...truth].some(([id, v]) => r.versions.get(id) !== v));
    expect(diverged.length).toBe(0);
    expect(replicas.filter((r) => r.outOfOrder > 0).length).toBe(0);
    // Resumed by seq, not reloaded: the only reset is each client's initial snapshot.
    expect(replicas.filter((r) => r.resets !== 1).length).toBe(0);
  }, 60_000);
});
