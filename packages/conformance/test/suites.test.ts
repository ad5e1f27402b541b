import { describe, expect, it, type RunnerTestSuite } from 'vitest';
import {
  BUS_TESTS,
  planSuite,
  runBusConformance,
  runStoreConformance,
  runTransportConformance,
  SKIP_MARK,
  STORE_TESTS,
  TRANSPORT_TESTS,
} from '../src/index.js';
import { registerSuite } from '../src/selection.js';

const never = (): never => {
  throw new Error('a skipped test ran its factory');
};

// Every test of every suite is registered, here all as skips (`only: []`), so nothing needs an adapter.
runStoreConformance('registration probe', { create: never }, { only: [] });
runBusConformance('registration probe', { create: never }, { only: [] });
runTransportConformance('registration probe', { open: never }, { start: never }, { only: [] });

// The machinery on a table of its own: what runs, runs; what is skipped, is reported with its reason.
const ran: string[] = [];
describe('selection machinery', () => {
  registerSuite('machinery', ['runs', 'skipped'] as const, {
    runs: async () => void ran.push('runs'),
    skipped: async () => void ran.push('skipped'),
  }, () => undefined, planSuite('machinery', ['runs', 'skipped'] as const, { skip: { skipped: 'because the test says so' } }));
});

describe('@livehub/conformance', () => {
  it('registers exactly the named tests of each suite, in order, as printed skips with reasons', ({ task }) => {
    const suites = task.file.tasks.filter((t): t is RunnerTestSuite => t.type === 'suite');
    for (const [title, names] of [
      ['Store conformance: registration probe', STORE_TESTS],
      ['Bus conformance: registration probe', BUS_TESTS],
      ['Transport conformance: registration probe', TRANSPORT_TESTS],
    ] as const) {
      const suite = suites.find((s) => s.name === title);
      expect(suite, title).toBeDefined();
      const titles = suite!.tasks.map((t) => t.name);
      expect(titles.map((t) => t.split(SKIP_MARK)[0])).toEqual([...names]);
      // The store probe has no reopen(): that capability's reason wins over the selection's.
      expect(titles.map((t) => t.split(SKIP_MARK)[1])).toEqual(
        names.map((n) => (n === 'keeps data, epoch and head across a reopen' ? 'the factory has no reopen() (not a durable store)' : 'not in the adapter\'s "only" list')),
      );
      expect(suite!.tasks.every((t) => t.mode === 'skip')).toBe(true);
    }
  });

  it('runs the selected test and skips the other, reason in its title', ({ task }) => {
    const suite = task.file.tasks.find((t): t is RunnerTestSuite => t.type === 'suite' && t.name === 'selection machinery')!;
    expect(suite.tasks.map((t) => [t.name, t.mode])).toEqual([
      ['runs', 'run'],
      [`skipped${SKIP_MARK}because the test says so`, 'skip'],
    ]);
    // Files run their tests in order: the machinery suite above has run by now.
    expect(ran).toEqual(['runs']);
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
    const plan = planSuite('s', STORE_TESTS, { only: ['keeps data, epoch and head across a reopen'] }, { 'keeps data, epoch and head across a reopen': 'no reopen()' });
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
