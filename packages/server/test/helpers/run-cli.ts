import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI } from './spawn-hub.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `livehub <args>` to its end: exit code, stdout and stderr apart. */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...opts.env }, cwd: opts.cwd, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** A long-running `livehub <args>` (tail): its output so far, and its exit. */
export interface CliProcess {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Non-empty stdout lines so far. */
  lines(): string[];
  exited: Promise<number | string>;
  /** Waits until stdout has at least `n` lines. */
  waitForLines(n: number, timeoutMs?: number): Promise<string[]>;
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<void>;
}

export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const lines = () => out.split('\n').filter((l) => l.length > 0);
  const what = (wanted: string) => () => `${wanted}\nstdout:\n${out}\nstderr:\n${err}`;
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    lines,
    exited,
    async waitForLines(n, timeoutMs = 15_000) {
      await waitFor(() => lines().length >= n, what(`${n} lines from livehub ${args.join(' ')}`), timeoutMs);
      return lines();
    },
    async waitForStderr(re, timeoutMs = 15_000) {
      await waitFor(() => re.test(err), what(`${String(re)} on the stderr of livehub ${args.join(' ')}`), timeoutMs);
    },
  };
}

/** Ends what a failed assertion left running. */
export async function killCli(p: CliProcess): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill('SIGKILL');
  await p.exited;
}

/** A port that was free a moment ago: for a hub that must come back on the same port (port 0 would give a new one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
