import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UNLIMITED_HTTP_RATE } from './hub-fixture.js';

/** Path of the built CLI; `npm test` builds before running. Joined as a path: under jsdom the global URL is jsdom's. */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

export interface HubProcess {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/**
 * Writes `dir/livehub.config.json` with the HTTP request rate lifted (`UNLIMITED_HTTP_RATE`) over
 * `config`, and returns the `--config` arguments that load it.
 */
export function unlimitedRateConfig(dir: string, config: Record<string, unknown> = {}): string[] {
  const file = join(dir, 'livehub.config.json');
  writeFileSync(file, JSON.stringify({ ...config, limits: UNLIMITED_HTTP_RATE }));
  return ['--config', file];
}

/** Runs `livehub serve` as a real process and waits until it listens. */
export async function spawnHub(args: string[], env: Record<string, string> = {}): Promise<HubProcess> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /livehub \S+ on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`hub exited before listening:\n${out}`));
    });
  });
  return { proc, url, output: () => out, exited };
}

/** Kills what a failed assertion left running, so a run always ends. */
export async function killIfRunning(p: HubProcess): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill('SIGKILL');
  await p.exited;
}
