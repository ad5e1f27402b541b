import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { BusMessage } from '@livehub/server';
import { change, changeMsg, hasSeq, recorder, seqs, type BusPair } from './bus-fixtures.js';
import { BUS_INTEREST_TESTS, interestCases } from './bus-interest-cases.js';
import { eventually } from './eventually.js';
import { planSuite, registerSuite, type Selection } from './selection.js';

/** Every test of the bus suite, by name: what an adapter opts in to or skips. */
export const BUS_TESTS = [
  'delivers changes and ephemeral events to every subscriber, in publish order',
  'stops delivering after unsubscribe, and a throwing handler does not stop others',
  'delivers across handles, both ways',
  "keeps each publisher's order when both handles publish at once",
  "unsubscribing on one handle leaves the other handle's subscribers alone",
  'closing one handle leaves the other publishing and receiving',
  'a handler throwing on one handle loses nothing for the other',
  ...BUS_INTEREST_TESTS,
] as const;
export type BusTestName = (typeof BUS_TESTS)[number];
export type { BusPair };

export interface BusFactory {
  /** Two handles on one fresh bus. They must be different objects: cross-node loss shows only then. */
  create(): Promise<BusPair>;
}

const cases: Record<BusTestName, (p: BusPair) => Promise<void>> = {
  ...interestCases,
  'delivers changes and ephemeral events to every subscriber, in publish order': async (ctx) => {
    const gotA: BusMessage[] = [];
    const gotB: BusMessage[] = [];
    await ctx.a.subscribe((m) => gotA.push(m));
    await ctx.b.subscribe((m) => gotB.push(m));
    // The ephemeral event is a `sendTo`: it reaches the handles watching its clientId.
    await Promise.all([ctx.a.watchClient('c-1'), ctx.b.watchClient('c-1')]);
    for (let i = 1; i <= 20; i++) await ctx.a.publish({ kind: 'change', change: change(i) });
    await ctx.a.publish({ kind: 'ephemeral', event: { channel: 's:1', event: 's.out', dataJson: '{"x":[1,"two"]}', timestamp: 't', clientId: 'c-1' } });
    await eventually(() => gotA.length === 21 && gotB.length === 21, '21 messages on both handles');
    for (const got of [gotA, gotB]) {
      expect(got.slice(0, 20).map((m) => (m.kind === 'change' ? m.change.seq : -1))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(got[20]).toEqual({ kind: 'ephemeral', event: { channel: 's:1', event: 's.out', dataJson: '{"x":[1,"two"]}', timestamp: 't', clientId: 'c-1' } });
    }
    const first = gotB[0]!;
    expect(first.kind === 'change' && first.change.record.data).toEqual({ seq: 1 });
  },

  'stops delivering after unsubscribe, and a throwing handler does not stop others': async (ctx) => {
    const got: BusMessage[] = [];
    const off = await ctx.b.subscribe(() => {
      throw new Error('handler bug');
    });
    const off2 = await ctx.b.subscribe((m) => got.push(m));
    const marker = await recorder(ctx.b);
    await ctx.a.publish(changeMsg(1));
    await eventually(() => got.length === 1, 'the first message past the throwing handler');
    off();
    off2();
    await ctx.a.publish(changeMsg(2));
    await ctx.a.publish(changeMsg(3));
    await eventually(hasSeq(marker.got, 3), 'the marker after the unsubscribed publish');
    expect(got).toHaveLength(1);
  },

  'delivers across handles, both ways': async ({ a, b }) => {
    const onA = await recorder(a);
    const onB = await recorder(b);
    const sent = changeMsg(1);
    await a.publish(sent);
    await eventually(hasSeq(onB.got, 1), 'a → b');
    await b.publish(changeMsg(2));
    await eventually(hasSeq(onA.got, 2), 'b → a');
    // Each handle also hears its own publishes: a node's hub learns of its own writes this way.
    await eventually(() => onA.got.length === 2 && onB.got.length === 2, 'both messages on both handles');
    expect(seqs(onA.got)).toEqual([1, 2]);
    expect(seqs(onB.got)).toEqual([1, 2]);
    expect(onB.got[0]).toEqual(sent);
  },

  "keeps each publisher's order when both handles publish at once": async ({ a, b }) => {
    const onA = await recorder(a);
    const onB = await recorder(b);
    // a publishes 1..30, b publishes 101..130, concurrently.
    await Promise.all([
      (async () => {
        for (let i = 1; i <= 30; i++) await a.publish(changeMsg(i));
      })(),
      (async () => {
        for (let i = 101; i <= 130; i++) await b.publish(changeMsg(i));
      })(),
    ]);
    for (const [where, rec] of [
      ['a', onA],
      ['b', onB],
    ] as const) {
      await eventually(() => rec.got.length === 60, `60 messages on handle ${where}`);
      expect(seqs(rec.got).filter((s) => s <= 30)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(seqs(rec.got).filter((s) => s > 100)).toEqual(Array.from({ length: 30 }, (_, i) => i + 101));
    }
  },

  "unsubscribing on one handle leaves the other handle's subscribers alone": async ({ a, b }) => {
    const onA = await recorder(a);
    const markerA = await recorder(a);
    const onB = await recorder(b);
    onA.off();
    await a.publish(changeMsg(1));
    await b.publish(changeMsg(2));
    await eventually(() => onB.got.length === 2, 'both messages on b');
    expect(seqs(onB.got)).toEqual([1, 2]);
    await eventually(hasSeq(markerA.got, 2), 'the marker on a');
    expect(onA.got).toEqual([]);
  },

  'closing one handle leaves the other publishing and receiving': async ({ a, b }) => {
    const onA = await recorder(a);
    const onB = await recorder(b);
    await a.publish(changeMsg(1));
    // Both copies first (a's own may come after b's): what is asserted is what happens after the close.
    await eventually(() => hasSeq(onB.got, 1)() && hasSeq(onA.got, 1)(), 'a → a and b before the close');
    await a.close();
    await b.publish(changeMsg(2));
    await b.publish(changeMsg(3));
    await eventually(hasSeq(onB.got, 3), 'b still hears itself after a closed');
    expect(seqs(onB.got)).toEqual([1, 2, 3]);
    // The closed handle hears nothing more; b's own marker (3) arrived after 2, so 2 would have too.
    expect(seqs(onA.got)).toEqual([1]);
  },

  'a handler throwing on one handle loses nothing for the other': async ({ a, b }) => {
    await a.subscribe(() => {
      throw new Error('handler bug on node a');
    });
    const onA = await recorder(a);
    const onB = await recorder(b);
    for (let i = 1; i <= 10; i++) await a.publish(changeMsg(i));
    for (let i = 11; i <= 15; i++) await b.publish(changeMsg(i));
    const all = Array.from({ length: 15 }, (_, i) => i + 1);
    await eventually(() => onB.got.length === 15 && onA.got.length === 15, '15 messages on both handles');
    expect(seqs(onB.got)).toEqual(all);
    expect(seqs(onA.got)).toEqual(all);
  },
};

/**
 * The contract every Bus passes, with two real handles: delivery to every subscriber of every
 * handle, per-publisher order, unsubscribe and close per handle, handler isolation across nodes,
 * and interest (ephemeral events only to handles watching their channel or clientId).
 */
export function runBusConformance(name: string, factory: BusFactory, selection?: Selection<BusTestName>): void {
  const suite = `Bus conformance: ${name}`;
  const plan = planSuite(suite, BUS_TESTS, selection);
  describe(suite, () => {
    let pair: BusPair;
    beforeEach(async () => {
      pair = await factory.create();
      if (pair.a === pair.b) {
        await pair.cleanup();
        throw new Error(`${suite}: create() returned one handle twice; give two distinct handles (two nodes) on one bus`);
      }
    });
    afterEach(async () => {
      await pair.cleanup();
    });
    registerSuite(suite, BUS_TESTS, cases, () => pair, plan);
  });
}
