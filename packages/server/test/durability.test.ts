import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { killIfRunning, spawnHub, unlimitedRateConfig } from './helpers/spawn-hub.js';
import { expectAcksSurvived, startWriteLoad, waitUntil } from './helpers/write-load.js';

describe('kill -9 in the middle of a write load', () => {
  const { defer } = perTest();

  const variants: Array<{ name: string; config?: Record<string, unknown> }> = [
    // No durability in the config: the CLI's default ('full').
    { name: 'default durability (full)' },
    { name: "durability 'normal' from a config file", config: { durability: 'normal' } },
  ];

  it.each(variants)(
    '$name: every acknowledged write survives, the log has no gap, the epoch stays',
    async ({ config }) => {
      const tmp = tempDir();
      defer(() => tmp.cleanup());
      const db = join(tmp.dir, 'hub.db');
      // Six write loops from one address: over the HTTP rate's default, which is not under test here.
      const args = ['--db', db, ...unlimitedRateConfig(tmp.dir, config)];

      const first = await spawnHub(args);
      defer(() => killIfRunning(first));
      // Proves the file was read (pino writes asynchronously, so the line may trail the banner).
      await waitUntil(() => first.output().includes('"config loaded"'), 'the config file to be loaded');
      const { epoch } = (await api(first.url, 'GET', '/healthz')).body as { epoch: string };

      const load = startWriteLoad(first.url, { loops: 6, maxMs: 10_000 });
      // Kill mid-load, after 300 writes or 1.5 s: every loop still has a request in flight.
      const started = Date.now();
      await waitUntil(() => load.acks.length >= 300 || (Date.now() - started > 1500 && load.acks.length > 0), 'writes before the kill');
      first.proc.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      await load.done;
      expect(load.unexpected).toEqual([]);
      // Each loop ended because the hub vanished, not because it ran out of writes or time.
      expect(load.refused.length).toBe(6);

      const second = await spawnHub(args);
      defer(() => killIfRunning(second));
      await expectAcksSurvived(second.url, load.acks, { epoch });

      // The restarted hub carries on from the head it recovered: the next write gets head + 1.
      const head = (await api(second.url, 'GET', '/healthz')).body.seq as number;
      const next = await api(second.url, 'POST', '/api/c/item', { after: 'restart' });
      expect(next.status).toBe(201);
      expect(Number(next.headers.get('x-livehub-seq'))).toBe(head + 1);

      second.proc.kill('SIGTERM');
      expect(await Promise.race([second.exited, sleep(10_000).then(() => 'still running')])).toBe(0);
    },
    20_000,
  );
});
