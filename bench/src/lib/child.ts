import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerKind, ServerOptions } from '../servers/server.js';

const SERVER_JS = join(dirname(fileURLToPath(import.meta.url)), '..', 'servers', 'server.js');

/** Shared clock origin: every timestamp in a payload is milliseconds since this (CLOCK_MONOTONIC). */
export const CLOCK_BASE = process.hrtime.bigint();

const hasTaskset = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');
let pinned = false;

/** Pins every thread of a process to one CPU, when taskset exists and the machine has ≥ 2 CPUs. */
function pin(pid: number, cpu: number): boolean {
  if (!hasTaskset) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The load side (this process) runs on CPU 0, servers on CPU 1. */
export function pinSelf(cpus: number): boolean {
  if (pinned || cpus < 2) return pinned;
  pinned = pin(process.pid, 0);
  return pinned;
}

export class ServerChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  port = 0;

  private constructor(
    readonly kind: ServerKind,
    readonly proc: ChildProcess,
  ) {}

  static async start(kind: ServerKind, opts: Omit<ServerOptions, 'clockBase'> = {}, pinCpu?: number): Promise<ServerChild> {
    const prof = process.env.BENCH_CPU_PROF;
    const proc = fork(SERVER_JS, [kind, JSON.stringify({ ...opts, clockBase: String(CLOCK_BASE) })], {
      // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every server child (for bottleneck hunting).
      execArgv: ['--expose-gc', ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new ServerChild(kind, proc);
    const ready = new Promise<{ port: number }>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${kind} server exited early (code ${code})`));
      proc.once('exit', onExit);
      proc.once('message', (m: { result: { port: number } }) => {
        proc.off('exit', onExit);
        resolve(m.result);
      });
    });
    const { port } = await ready;
    child.port = port;
    proc.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = child.pending.get(m.id);
      if (!p) return;
      child.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`${kind} server: ${m.error}`));
    });
    proc.on('exit', (code) => {
      for (const p of child.pending.values()) p.reject(new Error(`${kind} server exited (code ${code})`));
      child.pending.clear();
    });
    if (pinCpu !== undefined) pin(proc.pid!, pinCpu);
    return child;
  }

  call<T>(cmd: string, args?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.send({ id, cmd, args });
    });
  }

  /**
   * Runs `fn` while the server profiles itself, when `dir` is set (flag --profile <dir>); writes
   * <dir>/<label>.cpuprofile (open in Chrome DevTools, or: node dist/lib/profile-top.js <file>).
   */
  async profiled<T>(dir: string | undefined, label: string, fn: () => Promise<T>): Promise<T> {
    if (!dir) return fn();
    mkdirSync(dir, { recursive: true });
    await this.call('profileStart');
    try {
      return await fn();
    } finally {
      const file = await this.call<string>('profileStop', { file: resolve(dir, `${label}.cpuprofile`) });
      console.log(`  profile: ${file}`);
    }
  }

  /** Cumulative CPU time of the server process, in ms. */
  async cpuMs(): Promise<number> {
    const u = await this.call<{ user: number; system: number }>('cpu');
    return (u.user + u.system) / 1000;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.call('stop').catch(() => undefined);
    await exited;
    clearTimeout(timer);
  }
}

/** CPU time of this (load) process in ms. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
