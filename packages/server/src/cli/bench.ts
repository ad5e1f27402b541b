import { parseFlags, type Command } from './command.js';

const HELP = `livehub bench: benchmarks

Usage:
  livehub bench

Not built into the CLI yet: the benchmarks run from the livehub repository,
  npm run bench
and bench/README.md says what they measure and the latest numbers.
`;

async function run(argv: string[]): Promise<number> {
  parseFlags(argv, {}, true);
  process.stderr.write(HELP);
  return 2;
}

export const bench: Command = { name: 'bench', help: HELP, run };
