/** `--name value`, `--name=value` and bare `--flag` (true); everything else is positional. */
export interface Args {
  positional: string[];
  flags: Map<string, string>;
}

export function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), 'true');
  }
  return { positional, flags };
}

export function intFlag(args: Args, name: string, def: number): number {
  const v = args.flags.get(name);
  if (v === undefined) return def;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

export function listFlag(args: Args, name: string, def: string[]): string[] {
  const v = args.flags.get(name);
  return v === undefined
    ? def
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}
