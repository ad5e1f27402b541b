import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `livehub <name>` command: its help and what it does. */
export interface Command {
  name: string;
  /** The whole of `livehub <name> --help`. */
  help: string;
  /** Resolves with the exit code once the command is done (a server resolves once it listens, and keeps running). */
  run(argv: string[]): Promise<number>;
}

/** Wrong arguments: exit 2, with a pointer to the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran and failed (the hub refused, or could not be reached): exit 1. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}

/** Asked for the command's help (`--help`, `-h`): not an error, exit 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;
type Parsed<O extends Options, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP_FLAG; strict: true; allowPositionals: P }>
>;

/**
 * `parseArgs`, strict, with `--help`/`-h` on every command, and node's parse errors turned into a
 * UsageError that names the flag (node's own message ends with advice about `--` that fits no one here).
 */
export function parseFlags<const O extends Options, P extends boolean = false>(argv: string[], options: O, positionals?: P): Parsed<O, P> {
  let parsed: Parsed<O, P>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP_FLAG }, strict: true, allowPositionals: (positionals ?? false) as P });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(e.message.replace(/\. To specify a positional.*$/s, ''));
    throw err;
  }
  if ((parsed.values as { help?: boolean }).help === true) throw new HelpRequested();
  return parsed;
}

/** An integer flag within bounds, or a UsageError naming it. */
export function intFlag(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

/** A JSON argument, or a UsageError that says how to quote one. */
export function jsonArg(what: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`${what} is not JSON (${(err as Error).message}); quote it for the shell, e.g. '{"name":"scout"}'`);
  }
}
