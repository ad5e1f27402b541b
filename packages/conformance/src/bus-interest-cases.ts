import { expect } from 'vitest';
import { ALL_CHANNEL } from '@livehub/protocol';
import { changeMsg, ephemeral, ephemerals, hasSeq, recorder, seqs, type BusPair } from './bus-fixtures.js';
import { eventually } from './eventually.js';

/**
 * The interest part of the bus suite: an ephemeral event reaches only handles watching its channel
 * (or `*`), a `sendTo` only handles watching its clientId, and changes reach every handle. "Not
 * delivered" is shown with a change published after it by the same publisher (a marker).
 */
export const BUS_INTEREST_TESTS = [
  'an ephemeral event reaches only the handles watching its channel, carried as published',
  'watching every channel (*) gets each event once, also on a channel watched by name, and no sendTo',
  'unwatching stops delivery, and watching is a set, not a count',
  'changes reach every handle, whatever it watches',
  'a sendTo event reaches only the handles watching its clientId',
  'reports its state: ok while open, not ok once closed, per handle',
] as const;
export type BusInterestTestName = (typeof BUS_INTEREST_TESTS)[number];

const bothSeqs =
  (got: Parameters<typeof seqs>[0], ...want: number[]) =>
  (): boolean =>
    want.every((s) => hasSeq(got, s)());

export const interestCases: Record<BusInterestTestName, (p: BusPair) => Promise<void>> = {
  'an ephemeral event reaches only the handles watching its channel, carried as published': async ({ a, b }) => {
    const onA = await recorder(a);
    const onB = await recorder(b);
    await b.watch('room:1');
    await a.watch('room:2');
    await a.publish(ephemeral('room:1', 1));
    await a.publish(ephemeral('room:3', 3)); // watched by nobody
    await b.publish(ephemeral('room:2', 2));
    await a.publish(changeMsg(1));
    await b.publish(changeMsg(2));
    await eventually(() => bothSeqs(onA.got, 1, 2)() && bothSeqs(onB.got, 1, 2)(), 'the markers of both publishers on both handles');
    expect(ephemerals(onB.got)).toEqual(['room:1/1']);
    expect(ephemerals(onA.got)).toEqual(['room:2/2']);
    // The data text as published (no re-encode), every field as sent.
    expect(onB.got.find((m) => m.kind === 'ephemeral')).toEqual(ephemeral('room:1', 1));
  },

  'watching every channel (*) gets each event once, also on a channel watched by name, and no sendTo': async ({ a, b }) => {
    const onB = await recorder(b);
    await b.watch(ALL_CHANNEL);
    await b.watch('room:1');
    await a.publish(ephemeral('room:1', 1));
    await a.publish(ephemeral('room:2', 2));
    await a.publish(ephemeral('system', 3));
    await a.publish(ephemeral('system', 4, 'c-9'));
    await a.publish(changeMsg(1));
    await eventually(hasSeq(onB.got, 1), 'the marker on b');
    expect(ephemerals(onB.got)).toEqual(['room:1/1', 'room:2/2', 'system/3']);
    // Back to the one channel watched by name.
    await b.unwatch(ALL_CHANNEL);
    await a.publish(ephemeral('room:1', 5));
    await a.publish(ephemeral('room:2', 6));
    await a.publish(changeMsg(2));
    await eventually(hasSeq(onB.got, 2), 'the second marker on b');
    expect(ephemerals(onB.got)).toEqual(['room:1/1', 'room:2/2', 'system/3', 'room:1/5']);
  },

  'unwatching stops delivery, and watching is a set, not a count': async ({ a, b }) => {
    const onB = await recorder(b);
    await b.watch('room:1');
    await b.watch('room:1');
    await a.publish(ephemeral('room:1', 1));
    await a.publish(changeMsg(1));
    await eventually(hasSeq(onB.got, 1), 'the first marker');
    await b.unwatch('room:1');
    await a.publish(ephemeral('room:1', 2));
    await a.publish(changeMsg(2));
    await eventually(hasSeq(onB.got, 2), 'the marker after the unwatch');
    expect(ephemerals(onB.got)).toEqual(['room:1/1']);
    await b.watch('room:1');
    await a.publish(ephemeral('room:1', 3));
    await a.publish(changeMsg(3));
    await eventually(hasSeq(onB.got, 3), 'the marker after watching again');
    expect(ephemerals(onB.got)).toEqual(['room:1/1', 'room:1/3']);
  },

  'changes reach every handle, whatever it watches': async ({ a, b }) => {
    const onA = await recorder(a);
    const onB = await recorder(b);
    await b.watch('room:1');
    await b.unwatch('room:1');
    await b.watchClient('c-1');
    for (let i = 1; i <= 3; i++) await a.publish(changeMsg(i));
    await b.publish(changeMsg(4));
    await eventually(() => onA.got.length === 4 && onB.got.length === 4, 'four changes on both handles');
    for (const rec of [onA, onB]) {
      expect(seqs(rec.got).filter((s) => s <= 3)).toEqual([1, 2, 3]);
      expect(seqs(rec.got)).toContain(4);
    }
  },

  'a sendTo event reaches only the handles watching its clientId': async ({ a, b }) => {
    const onA = await recorder(a);
    const onB = await recorder(b);
    // Watching its channel, even every channel, is not watching the client.
    await a.watch('system');
    await a.watch(ALL_CHANNEL);
    await b.watchClient('c-1');
    await a.publish(ephemeral('system', 1, 'c-1'));
    await a.publish(ephemeral('system', 2, 'c-2'));
    await b.publish(ephemeral('system', 3, 'c-1'));
    await a.publish(changeMsg(1));
    await b.publish(changeMsg(2));
    await eventually(() => bothSeqs(onA.got, 1, 2)() && bothSeqs(onB.got, 1, 2)(), 'the markers of both publishers on both handles');
    // Two publishers: their relative order is not promised.
    expect(ephemerals(onB.got).sort()).toEqual(['c-1@system/1', 'c-1@system/3']);
    expect(ephemerals(onA.got)).toEqual([]);
    await b.unwatchClient('c-1');
    await a.publish(ephemeral('system', 4, 'c-1'));
    await a.publish(changeMsg(3));
    await eventually(hasSeq(onB.got, 3), 'the marker after the unwatch');
    expect(ephemerals(onB.got)).toHaveLength(2);
  },

  'reports its state: ok while open, not ok once closed, per handle': async ({ a, b }) => {
    await eventually(() => a.status().ok && b.status().ok, 'both handles ok');
    expect(a.status().kind).toMatch(/^[a-z]+$/);
    expect(b.status().kind).toBe(a.status().kind);
    await a.close();
    expect(a.status().ok).toBe(false);
    expect(b.status().ok).toBe(true);
  },
};
