import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const TMP_DIR = join(BENCH_DIR, '.tmp');

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: BENCH_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Which livehub was measured: the workspace at a commit (and whether packages/ had uncommitted edits), or BENCH_LIVEHUB. */
export function livehubBuild(): string {
  const other = process.env.BENCH_LIVEHUB;
  if (other) {
    const commitFile = join(other, '..', '..', 'COMMIT');
    const commit = existsSync(commitFile) ? readFileSync(commitFile, 'utf8').trim().slice(0, 12) : 'unknown commit';
    return `${other} (${commit})`;
  }
  const head = git(['rev-parse', '--short=12', 'HEAD']) || 'unknown commit';
  const dirty = git(['status', '--porcelain', '--', '../packages']) !== '';
  return `workspace @ ${head}${dirty ? ' + uncommitted changes in packages/' : ''}`;
}

/** 1-minute load average when the run started (set by the CLI). */
export const runStart = { loadAvg1m: Math.round(loadavg()[0]! * 100) / 100, at: new Date().toISOString() };

export function machine() {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    livehub: livehubBuild(),
    /** 1-minute load averages at the start of the run and when these results were written (the run itself adds up to ~2). */
    loadAvg1mAtStart: runStart.loadAvg1m,
    loadAvg1mAtEnd: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** `--tag x` (A/B runs) writes results/<name>.<x>.json instead of results/<name>.json. */
let tag: string | undefined;
export function setResultsTag(t: string | undefined): void {
  if (t !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(t)) throw new Error('--tag must be [A-Za-z0-9_-]{1,40}');
  tag = t;
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResults(name: string, params: unknown, results: unknown, tables: string[]): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, tag ? `${name}.${tag}.json` : `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, date: new Date().toISOString(), machine: machine(), params, results, tables }, null, 2) + '\n');
  console.log(`\n→ ${file}`);
  return file;
}
