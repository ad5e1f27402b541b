import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '@livehub/protocol';
import { perTest, tempDir } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';
import { waitUntil } from './helpers/write-load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** True once `pid` no longer runs (gone, or a zombie nobody has reaped yet). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // `/proc/<pid>/stat`: "pid (comm) state …"; Z is a zombie: it has exited.
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Starts the hub the way the README says a user does, through npm, as a supervisor would:
 * one child process, whose pid is the only one the supervisor knows.
 */
async function launch(command: string, args: string[]) {
  const proc = spawn(command, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let ended = false;
  void exited.then(() => (ended = true));
  await waitUntil(() => ended || /livehub \S+ on http:\/\/\S+ +\(pid \d+/.test(out), `${command} ${args.join(' ')} to listen`, 30_000);
  const m = /livehub \S+ on (http:\/\/\S+) +\(pid (\d+)/.exec(out);
  if (!m) throw new Error(`hub did not start:\n${out}`);
  return { proc, url: m[1]!, hubPid: Number(m[2]), output: () => out, exited };
}

describe('SIGTERM to the process a user starts (npx livehub serve, npm start)', () => {
  const { defer } = perTest();

  it.each([
    ['npx livehub serve', 'npx', ['livehub', 'serve']],
    ['npm start --', 'npm', ['start', '--']],
  ] as const)(
    '%s: the hub shuts down gracefully (clients get 1001) and no process of it remains',
    async (_name, command, args) => {
      const tmp = tempDir();
      defer(() => tmp.cleanup());
      const hub = await launch(command, [...args, '--port', '0', '--db', join(tmp.dir, 'hub.db')]);
      defer(() => {
        // Only what this test started, by pid: the launcher and the hub it printed.
        for (const pid of [hub.proc.pid!, hub.hubPid]) if (!gone(pid)) process.kill(pid, 'SIGKILL');
      });
      expect(hub.hubPid).not.toBe(hub.proc.pid);
      const client = await TestClient.connect(hub.url);
      await client.subscribe('item');

      // What a supervisor does: the signal goes to the pid it spawned, not to a process group.
      hub.proc.kill('SIGTERM');

      expect(await client.closed(15_000)).toBe(CloseCode.GoingAway);
      await hub.exited;
      await waitUntil(() => gone(hub.hubPid), `hub pid ${hub.hubPid} to exit`, 15_000);
      expect(hub.output()).toContain('"livehub stopped"');
    },
    60_000,
  );
});
