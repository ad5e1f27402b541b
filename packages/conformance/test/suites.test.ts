import { describe, expect, it } from 'vitest';
import { BUS_TESTS, planSuite, SKIP_MARK, STORE_TESTS, TRANSPORT_TESTS } from '../src/index.js';
import { registerSuite, type Registrar } from '../src/selection.js';

/** Records what a suite registers, instead of registering it with vitest (so no skip shows in the run). */
function recorder() {
  const log: string[] = [];
  const registered: Array<{ title: string; mode: 'run' | 'skip'; body?: () => Promise<void> }> = [];
  const registrar: Registrar = {
    test: (title, body) => void registered.push({ title, mode: 'run', body }),
    skip: (title) => void registered.push({ title, mode: 'skip' }),
    log: (line) => void log.push(line),
  };
  return { registrar, registered, log };
}

describe('@livehub/conformance', () => {
  it('registers every named test, runs the planned ones and prints each skip with its reason', async () => {
    const ran: string[] = [];
    const r = recorder();
    const names = ['runs', 'skipped', 'lacks a capability'] as const;
    const bodies = {
      runs: async () => void ran.push('runs'),
      skipped: async () => void ran.push('skipped'),
      'lacks a capability': async () => void ran.push('lacks'),
    };
    const plan = planSuite('machinery', names, { skip: { skipped: 'because the test says so' } }, { 'lacks a capability': 'no reopen()' });
    registerSuite('machinery', names, bodies, () => undefined, plan, r.registrar);
    expect(r.registered.map((t) => [t.title, t.mode])).toEqual([
      ['runs', 'run'],
      [`skipped${SKIP_MARK}because the test says so`, 'skip'],
      [`lacks a capability${SKIP_MARK}no reopen()`, 'skip'],
    ]);
    expect(r.log).toEqual([
      '[livehub conformance] machinery: skipped "skipped": because the test says so',
      '[livehub conformance] machinery: skipped "lacks a capability": no reopen()',
    ]);
    for (const t of r.registered) await t.body?.();
    expect(ran).toEqual(['runs']);
  });

  it("names each suite's tests once", () => {
    for (const names of [STORE_TESTS, BUS_TESTS, TRANSPORT_TESTS]) expect(new Set(names).size).toBe(names.length);
  });

  it('plans all tests by default, opts in by name, and skips by name with a reason', () => {
    expect(planSuite('s', STORE_TESTS, undefined).every((p) => p.skip === undefined)).toBe(true);
    const only = planSuite('s', BUS_TESTS, { only: ['delivers across handles, both ways'] });
    expect(only.filter((p) => p.skip === undefined).map((p) => p.name)).toEqual(['delivers across handles, both ways']);
    const skipped = planSuite('s', BUS_TESTS, { skip: { 'delivers across handles, both ways': 'single node' } });
    expect(skipped.find((p) => p.name === 'delivers across handles, both ways')).toEqual({ name: 'delivers across handles, both ways', skip: 'single node' });
    expect(skipped.filter((p) => p.skip !== undefined)).toHaveLength(1);
  });

  it('makes a capability the factory lacks a named skip, over any selection', () => {
    const plan = planSuite(
      's',
      STORE_TESTS,
      { only: ['keeps data, epoch and head across a reopen'] },
      { 'keeps data, epoch and head across a reopen': 'no reopen()' },
    );
    expect(plan.find((p) => p.name === 'keeps data, epoch and head across a reopen')?.skip).toBe('no reopen()');
  });

  it('refuses a name the suite does not have, and both only and skip at once, with a clear error', () => {
    // Casts stand for an untyped (JS) adapter: the types already refuse these.
    expect(() => planSuite('Bus conformance: x', BUS_TESTS, { only: ['delivers accross handles'] } as never)).toThrow(
      /Bus conformance: x: no test named "delivers accross handles"; the suite has: "delivers changes/,
    );
    expect(() => planSuite('s', BUS_TESTS, { skip: { nope: 'r' } } as never)).toThrow(/no test named "nope"/);
    expect(() => planSuite('s', BUS_TESTS, { only: [], skip: {} } as never)).toThrow('s: give either "only" or "skip", not both');
  });

  it('refuses a table of bodies that does not match the named list', () => {
    expect(() => registerSuite('t', ['a', 'b'] as const, { a: async () => undefined } as never, () => undefined, [])).toThrow(
      't: test bodies (a) do not match the named list (a, b)',
    );
  });
});
