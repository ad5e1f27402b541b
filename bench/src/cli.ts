/**
 * livehub benchmarks. Not tests: nothing here asserts a timing. Everything runs against 127.0.0.1,
 * bounded in count and time; servers run in a child process pinned to CPU 1, the load here on CPU 0.
 *
 *   node dist/cli.js [fanout|memory|resume|writes|pgstore|cluster ...] [--flag value ...]
 */
import { cpus } from 'node:os';
import { rmSync } from 'node:fs';
import { parseArgs } from './lib/args.js';
import { pinSelf } from './lib/child.js';
import { machine, runStart, setResultsTag, TMP_DIR } from './lib/results.js';
import { fanout } from './fanout.js';
import { memory } from './memory.js';
import { resume } from './resume.js';
import { writes } from './writes.js';
import { cluster } from './cluster.js';
import { pgStore } from './pg-store.js';

const BENCHES = { fanout, memory, resume, writes, pgstore: pgStore, cluster } as const;
type Name = keyof typeof BENCHES;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.flags.has('help')) {
    console.log(`usage: node dist/cli.js [${Object.keys(BENCHES).join('|')} ...] [flags]; see bench/README.md`);
    return;
  }
  const names = (args.positional.length ? args.positional : Object.keys(BENCHES)) as Name[];
  for (const n of names) if (!(n in BENCHES)) throw new Error(`unknown benchmark '${n}' (have: ${Object.keys(BENCHES).join(', ')})`);
  setResultsTag(args.flags.get('tag'));
  const pinned = args.flags.get('no-pin') === 'true' ? false : pinSelf(cpus().length);
  const m = machine();
  console.log(
    `# livehub bench — ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ${pinned ? 'load pinned to CPU 0, servers to CPU 1' : 'not pinned'}`,
  );
  console.log(`# livehub under test: ${m.livehub}; 1-min load average at start ${runStart.loadAvg1m}`);
  if (runStart.loadAvg1m > 1) console.log('# warning: the machine is busy with something else; numbers will be noisy (compare ratios, rerun when idle)');
  const t0 = performance.now();
  for (const n of names) {
    const t = performance.now();
    await BENCHES[n](args);
    console.log(`(${n}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  rmSync(TMP_DIR, { recursive: true, force: true });
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
