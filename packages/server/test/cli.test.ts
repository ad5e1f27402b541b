import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { REDIS_URL, testPrefix } from './helpers/bus-servers.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { CLI, killIfRunning, spawnHub } from './helpers/spawn-hub.js';
import { TestClient } from './helpers/ws-client.js';

const run = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('livehub CLI', () => {
  const { defer } = perTest();

  it('prints help and version, and refuses unknown commands and bad flags with exit 2', async () => {
    expect((await cli('--help')).out).toMatch(/livehub serve \[--port P\]/);
    expect((await cli('version')).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await cli('frobnicate')).toMatchObject({ code: 2, out: expect.stringMatching(/unknown command 'frobnicate'/) });
    expect(await cli('serve', '--port', 'nope')).toMatchObject({ code: 2, out: expect.stringMatching(/invalid port/) });
    expect(await cli('serve', '--no-such-flag')).toMatchObject({ code: 2 });
    expect(await cli('epoch', '--db', '/nonexistent/x.db')).toMatchObject({ code: 2, out: expect.stringMatching(/no database/) });
  });

  it('refuses epoch --rotate (exit 2) while a hub serves the database, and rotates once it is gone, even after kill -9', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const db = join(tmp.dir, 'hub.db');
    const hub = await spawnHub(['--db', db]);
    defer(() => killIfRunning(hub));
    await api(hub.url, 'POST', '/api/c/doc', { id: 'd1' });
    const epoch = (await api(hub.url, 'GET', '/healthz')).body.epoch as string;

    const refused = await cli('epoch', '--db', db, '--rotate');
    expect(refused).toMatchObject({ code: 2, out: expect.stringMatching(/in use by another process.*stop/) });
    // Nothing changed: the serving hub keeps its epoch and its log.
    expect((await api(hub.url, 'GET', '/healthz')).body.epoch).toBe(epoch);
    expect((await api(hub.url, 'GET', '/api/changes?since=0')).body.changes).toHaveLength(1);
    // Reading the epoch is fine while it serves.
    expect(await cli('epoch', '--db', db)).toEqual({ code: 0, out: `epoch ${epoch} (head 1)\n` });

    // A hub killed without any chance to clean up leaves nothing that blocks the rotation.
    hub.proc.kill('SIGKILL');
    expect(await hub.exited).toBe('SIGKILL');
    const rotated = await cli('epoch', '--db', db, '--rotate');
    expect(rotated).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^epoch ${epoch} -> e-\\w+ \\(head 1; history voided\\)`)) });
  });

  it('rotates the epoch of a restored database, so clients holding positions reset', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const db = join(tmp.dir, 'hub.db');
    const first = await spawnHub(['--db', db]);
    defer(() => killIfRunning(first));
    for (let i = 0; i < 3; i++) await api(first.url, 'POST', '/api/c/doc', { id: `d${i}` });
    const oldEpoch = (await api(first.url, 'GET', '/healthz')).body.epoch as string;
    first.proc.kill('SIGTERM');
    await first.exited;

    expect((await cli('epoch', '--db', db)).out).toBe(`epoch ${oldEpoch} (head 3)\n`);
    const rotated = await cli('epoch', '--db', db, '--rotate');
    const newEpoch = /-> (e-\w+)/.exec(rotated.out)![1]!;
    expect(newEpoch).not.toBe(oldEpoch);

    const second = await spawnHub(['--db', db]);
    defer(() => killIfRunning(second));
    const c = await TestClient.connect(second.url);
    expect(c.messages[0]).toMatchObject({ epoch: newEpoch, seq: 3 });
    const sub = await c.subscribe('doc', { since: 1, epoch: oldEpoch, snapshot: true });
    expect(sub).toMatchObject({ reset: true, seq: 3 });
    expect((sub.snapshot as unknown[]).length).toBe(3);
    c.close();
  });

  it('runs on the Redis bus given by LIVEHUB_REDIS_URL (or --redis) and --redis-prefix, and says so at start', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const prefix = testPrefix();
    const hub = await spawnHub(['--db', join(tmp.dir, 'hub.db'), '--redis-prefix', prefix], { LIVEHUB_REDIS_URL: REDIS_URL });
    defer(() => killIfRunning(hub));
    const where = new URL(REDIS_URL);
    expect(hub.output()).toContain(`bus redis ${where.hostname}:${where.port || 6379}, prefix ${prefix})`);
    // The log line may come after the stdout line (pino writes asynchronously).
    await waitFor(() => /"bus":"redis","busOk":true.*"msg":"livehub listening"/.test(hub.output()), 'the start log line naming the bus');
    expect((await api(hub.url, 'GET', '/healthz')).body.bus).toEqual({ kind: 'redis', ok: true, detail: expect.stringContaining(prefix) });
    hub.proc.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    expect(await cli('serve', '--redis', 'http://127.0.0.1:6379')).toMatchObject({ code: 2, out: expect.stringMatching(/redis/) });
  });
});
