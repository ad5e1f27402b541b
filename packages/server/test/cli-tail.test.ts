import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { freePort, killCli, runCli, spawnCli } from './helpers/run-cli.js';
import { killIfRunning, spawnHub, type HubProcess } from './helpers/spawn-hub.js';

/** The `doc` events a `--json` tail printed: seq and record id, in order. */
function docEvents(lines: string[]): Array<[number, string]> {
  return lines.map((l) => JSON.parse(l) as { seq: number; data: { id: string } }).map((e) => [e.seq, e.data.id]);
}

describe('livehub tail', () => {
  const { defer } = perTest();

  it('prints live events, and resumes after a hub restart with no gap and no duplicate', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const db = join(tmp.dir, 'hub.db');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const start = async (args: string[]): Promise<HubProcess> => {
      const hub = await spawnHub(['--db', db, ...args]);
      defer(() => killIfRunning(hub));
      return hub;
    };
    const stop = async (hub: HubProcess) => {
      hub.proc.kill('SIGTERM');
      expect(await hub.exited).toBe(0);
    };

    let hub = await start(['--port', String(port)]);
    const json = spawnCli(['tail', 'doc', '--json', '--url', url]);
    defer(() => killCli(json));
    const human = spawnCli(['tail', 'doc', 'note:1'], { LIVEHUB_URL: url });
    defer(() => killCli(human));
    await json.waitForStderr(/connected to/);
    await human.waitForStderr(/connected to/);

    expect(await runCli(['write', 'doc', '{"id":"d1","n":1}', '--url', url])).toMatchObject({ code: 0 });
    expect(docEvents(await json.waitForLines(1))).toEqual([[1, 'd1']]);
    expect(await runCli(['publish', 'note:1', 'ping', '{"x":1}', '--url', url])).toMatchObject({ code: 0 });
    const [created, ping] = await human.waitForLines(2);
    // Not a terminal: no colour codes.
    expect(created).toMatch(/^\d\d:\d\d:\d\d\.\d{3} #1 doc doc\.created d1 v1 \{"n":1\}$/);
    expect(ping).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {3}- note:1 ping \{"x":1\}$/);

    // The hub goes away; a change is written (by another hub on the same file) while tail cannot connect.
    await stop(hub);
    await json.waitForStderr(/connection lost/);
    const other = await start([]);
    await api(other.url, 'POST', '/api/c/doc', { id: 'd2' });
    await stop(other);
    // Back on the same port: tail reconnects, replays what it missed, then goes on live.
    hub = await start(['--port', String(port)]);
    await json.waitForStderr(/reconnected to/);
    await api(hub.url, 'POST', '/api/c/doc', { id: 'd3' });
    await json.waitForLines(3);
    await human.waitForLines(4);
    expect(docEvents(json.lines())).toEqual([
      [1, 'd1'],
      [2, 'd2'],
      [3, 'd3'],
    ]);
    expect(human.lines().slice(2)).toEqual([
      expect.stringMatching(/ #2 doc doc\.created d2 v1 \{\}$/),
      expect.stringMatching(/ #3 doc doc\.created d3 v1 \{\}$/),
    ]);

    // --since starts from the log.
    const since = spawnCli(['tail', 'doc', '--since', '1', '--json', '--url', url]);
    defer(() => killCli(since));
    expect(docEvents(await since.waitForLines(2))).toEqual([
      [2, 'd2'],
      [3, 'd3'],
    ]);

    for (const t of [json, human, since]) {
      t.proc.kill('SIGINT');
      expect(await t.exited).toBe(0);
    }
    expect(json.lines()).toHaveLength(3);
  });

  it('refuses a bad channel or --since (exit 2), and a refused token (exit 1)', async () => {
    expect(await runCli(['tail'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/one or more channels/) });
    expect(await runCli(['tail', 'bad channel!'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a channel name/) });
    expect(await runCli(['tail', 'doc', '--since', 'ten'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--since must be an integer/) });

    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const hub = await spawnHub(['--db', join(tmp.dir, 'hub.db')], { LIVEHUB_JWT_SECRET: 'tail-secret-tail-secret-tail-secret!' });
    defer(() => killIfRunning(hub));
    const refused = await runCli(['tail', 'doc', '--url', hub.url, '--token', 'not-a-jwt']);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/unauthenticated.*--token or LIVEHUB_TOKEN/) });
  });
});
