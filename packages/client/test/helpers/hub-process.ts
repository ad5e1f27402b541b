import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { tempDir } from '../../../server/test/helpers/hub-fixture.js';
import { spawnHub, unlimitedRateConfig, type HubProcess } from '../../../server/test/helpers/spawn-hub.js';

export type { HubProcess };

/** A port that was free a moment ago, so a restarted hub can come back on the same address. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * `livehub serve` on a fixed port and database (the CLI takes the last `--port`). The HTTP rate is
 * lifted: these clients, all from 127.0.0.1, stand for users on many addresses.
 */
export function hubProcess(db: string, port: number, env: Record<string, string> = {}): Promise<HubProcess> {
  return spawnHub(['--db', db, '--port', String(port), ...unlimitedRateConfig(dirname(db))], { LOG_LEVEL: 'warn', ...env });
}

/** SIGTERM and wait for the exit; SIGKILL if it hangs. */
export async function stopHub(p: HubProcess): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill('SIGTERM');
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
}

/**
 * A hub process on a fresh database and a free port that stays its own, so a restart comes back at
 * the same URL. Its files and process are cleaned up through `defer`.
 */
export async function restartableHub(defer: (fn: () => Promise<void> | void) => void): Promise<{ db: string; port: number; hub: HubProcess }> {
  const tmp = tempDir();
  defer(() => tmp.cleanup());
  const db = join(tmp.dir, 'hub.db');
  const port = await freePort();
  const hub = await hubProcess(db, port);
  defer(() => stopHub(hub));
  return { db, port, hub };
}
