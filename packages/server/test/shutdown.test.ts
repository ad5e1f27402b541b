import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '@livehub/protocol';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { killIfRunning, spawnHub, type HubProcess } from './helpers/spawn-hub.js';
import { TestClient } from './helpers/ws-client.js';
import { expectAcksSurvived, startWriteLoad, waitUntil } from './helpers/write-load.js';

/** Exit code (or signal), or 'still running' if the process outlives `ms`. */
async function exitWithin(p: HubProcess, ms: number): Promise<number | string> {
  return Promise.race([p.exited, sleep(ms).then(() => 'still running')]);
}

describe('graceful shutdown of the CLI', () => {
  const { defer } = perTest();

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s closes every socket with 1001, exits 0, and loses no acknowledged write',
    async (signal) => {
      const tmp = tempDir();
      defer(() => tmp.cleanup());
      const db = join(tmp.dir, 'hub.db');
      const first = await spawnHub(['--db', db]);
      defer(() => killIfRunning(first));
      const { epoch } = (await api(first.url, 'GET', '/healthz')).body as { epoch: string };

      const clients = await Promise.all([0, 1, 2, 3, 4].map((i) => TestClient.connect(first.url, { clientId: `sd-${i}` })));
      await Promise.all(clients.map((c) => c.subscribe('item')));

      // Signal while writes are in flight: each loop has a request outstanding at that moment.
      const load = startWriteLoad(first.url, { loops: 6, maxMs: 10_000 });
      await waitUntil(() => load.acks.length >= 60, 'writes before the signal');
      first.proc.kill(signal);

      expect(await exitWithin(first, 10_000)).toBe(0);
      await load.done;
      expect(load.unexpected).toEqual([]);
      // Every loop ended by being refused: no request hung or was silently dropped.
      expect(load.refused.length).toBe(6);
      for (const c of clients) expect(await c.closed()).toBe(CloseCode.GoingAway);
      const out = first.output();
      expect(out).toContain('"signal received"');
      expect(out).toContain('"livehub stopped"');

      const second = await spawnHub(['--db', db]);
      defer(() => killIfRunning(second));
      await expectAcksSurvived(second.url, load.acks, { epoch });
      // Clients resuming on the restarted hub find the same log: a replay from 0 covers every write.
      const resumed = await TestClient.connect(second.url);
      const sub = await resumed.subscribe('item', { since: 0, epoch });
      expect(sub.reset).toBeUndefined();
      expect(sub.replayed).toBe(sub.seq);
      resumed.close();

      second.proc.kill('SIGTERM');
      expect(await exitWithin(second, 10_000)).toBe(0);
    },
    20_000,
  );

  it('refuses new WebSocket connections and reports 503 on /healthz once shutdown has begun', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const db = join(tmp.dir, 'hub.db');
    const p = await spawnHub(['--db', db]);
    defer(() => killIfRunning(p));
    // A client that never answers the close handshake holds shutdown open for its grace period,
    // which leaves a window to observe how a closing hub treats newcomers.
    const stuck = await TestClient.connect(p.url, { clientId: 'stuck' });
    stuck.ws.pause();
    const before = await api(p.url, 'POST', '/api/c/item', { n: 1 });
    expect(before.status).toBe(201);

    p.proc.kill('SIGTERM');
    await waitUntil(() => p.output().includes('"signal received"'), 'the hub to start shutting down');
    const health = await api(p.url, 'GET', '/healthz').catch(() => undefined);
    if (health) expect(health.status).toBe(503);
    const late = await TestClient.connect(p.url, { clientId: 'late' }).then(
      () => 'connected',
      () => 'refused',
    );
    expect(late).toBe('refused');
    expect(await exitWithin(p, 10_000)).toBe(0);
    // Its socket is paused, so it would never see the end on its own.
    stuck.ws.terminate();
  });
});
