import { it } from 'vitest';

/**
 * Which tests of a suite an adapter runs. Default (`undefined` or `{}`): all of them.
 * - `{ only: [...] }` opts in by name; every other test is a printed skip.
 * - `{ skip: { name: 'reason' } }` runs all but the named ones, each skip printed with its reason.
 * Names are typed, so a renamed or removed test is a compile error in the adapter's file.
 */
export type Selection<Name extends string> = { only: readonly Name[]; skip?: never } | { skip?: Partial<Record<Name, string>>; only?: never };

/** One entry of a suite's plan: the test runs, or is skipped for `skip` (the reason). */
export interface PlannedTest<Name extends string> {
  name: Name;
  skip?: string;
}

/** Separator between a skipped test's name and its reason in the vitest title. */
export const SKIP_MARK = ' — skipped: ';

/**
 * Decides, per named test, whether it runs. `unavailable` holds what the adapter's factory cannot
 * do (a capability it lacks): those are skips too, never passes. Throws on a name the suite does
 * not have, so a typo in an untyped (JS) adapter is an error, not a silently running test.
 */
export function planSuite<Name extends string>(
  suite: string,
  names: readonly Name[],
  selection: Selection<Name> | undefined,
  unavailable: Partial<Record<Name, string>> = {},
): Array<PlannedTest<Name>> {
  const known = new Set<string>(names);
  const only = selection?.only;
  const skip = selection?.skip ?? {};
  if (only && selection?.skip) throw new Error(`${suite}: give either "only" or "skip", not both`);
  for (const name of [...(only ?? []), ...Object.keys(skip)]) {
    if (!known.has(name)) throw new Error(`${suite}: no test named "${name}"; the suite has: ${names.map((n) => `"${n}"`).join(', ')}`);
  }
  return names.map((name) => {
    const reason =
      unavailable[name] ?? (skip as Partial<Record<string, string>>)[name] ?? (only && !only.includes(name) ? 'not in the adapter\'s "only" list' : undefined);
    return reason === undefined ? { name } : { name, skip: reason };
  });
}

/** Where a suite's tests are registered: vitest's `it` / `it.skip` (the machinery's own tests record them instead). */
export interface Registrar {
  test(title: string, body: () => Promise<void>): void;
  skip(title: string): void;
  log(line: string): void;
}

const vitestRegistrar: Registrar = {
  test: (title, body) => it(title, body),
  skip: (title) => it.skip(title, () => undefined),
  log: (line) => console.info(line),
};

/**
 * Registers a suite's tests (call inside its `describe`): the planned ones with `it`, the others
 * with `it.skip`, the reason in the title and on a console line.
 */
export function registerSuite<Name extends string, Ctx>(
  suite: string,
  names: readonly Name[],
  cases: Record<Name, (ctx: Ctx) => Promise<void>>,
  context: () => Ctx,
  plan: Array<PlannedTest<Name>>,
  registrar: Registrar = vitestRegistrar,
): void {
  // The typed table already forces one body per name; this catches a table built around the types.
  const bodies = Object.keys(cases);
  if (bodies.length !== names.length || names.some((n) => !Object.hasOwn(cases, n))) {
    throw new Error(`${suite}: test bodies (${bodies.join(', ')}) do not match the named list (${names.join(', ')})`);
  }
  for (const { name, skip } of plan) {
    if (skip === undefined) {
      registrar.test(name, () => cases[name](context()));
    } else {
      registrar.log(`[livehub conformance] ${suite}: skipped "${name}": ${skip}`);
      registrar.skip(`${name}${SKIP_MARK}${skip}`);
    }
  }
}
