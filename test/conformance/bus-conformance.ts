import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusMessage, Change } from '../../packages/server/src/index.js';

export interface BusFactory {
  /** Two handles on the same bus (two "nodes"); an in-process bus may return the same one twice. */
  create(): Promise<{ a: Bus; b: Bus; cleanup(): Promise<void> }>;
}

const change = (seq: number): Change => ({
  seq,
  ts: new Date().toISOString(),
  collection: 'c',
  id: `r${seq}`,
  action: 'created',
  version: 1,
  record: { collection: 'c', id: `r${seq}`, version: 1, createdAt: 'x', updatedAt: 'x', data: { seq } },
  changed: ['seq'],
});

async function eventually(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The contract every Bus passes: delivery to every subscriber of every node, per-publisher order, unsubscribe. */
export function runBusConformance(name: string, factory: BusFactory): void {
  describe(`Bus conformance: ${name}`, () => {
    let ctx: Awaited<ReturnType<BusFactory['create']>>;
    beforeEach(async () => {
      ctx = await factory.create();
    });
    afterEach(async () => {
      await ctx.cleanup();
    });

    it('delivers changes and ephemeral events to every subscriber, in publish order', async () => {
      const gotA: BusMessage[] = [];
      const gotB: BusMessage[] = [];
      await ctx.a.subscribe((m) => gotA.push(m));
      await ctx.b.subscribe((m) => gotB.push(m));
      for (let i = 1; i <= 20; i++) await ctx.a.publish({ kind: 'change', change: change(i) });
      await ctx.a.publish({ kind: 'ephemeral', event: { channel: 's:1', event: 's.out', dataJson: '{"x":[1,"two"]}', timestamp: 't', clientId: 'c-1' } });
      await eventually(() => gotA.length === 21 && gotB.length === 21);
      for (const got of [gotA, gotB]) {
        expect(got.slice(0, 20).map((m) => (m.kind === 'change' ? m.change.seq : -1))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(got[20]).toEqual({ kind: 'ephemeral', event: { channel: 's:1', event: 's.out', dataJson: '{"x":[1,"two"]}', timestamp: 't', clientId: 'c-1' } });
      }
      const first = gotB[0]!;
      expect(first.kind === 'change' && first.change.record.data).toEqual({ seq: 1 });
    });

    it('stops delivering after unsubscribe, and a throwing handler does not stop others', async () => {
      const got: BusMessage[] = [];
      const off = await ctx.b.subscribe(() => {
        throw new Error('handler bug');
      });
      const off2 = await ctx.b.subscribe((m) => got.push(m));
      await ctx.a.publish({ kind: 'change', change: change(1) });
      await eventually(() => got.length === 1);
      off();
      off2();
      await ctx.a.publish({ kind: 'change', change: change(2) });
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toHaveLength(1);
    });
  });
}
