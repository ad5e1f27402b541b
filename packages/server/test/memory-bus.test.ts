import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../src/index.js';
import { MemoryBroker, MemoryBus } from '../src/index.js';

const msg = (n: number): BusMessage => ({ kind: 'ephemeral', event: { channel: 'c', event: 'e', dataJson: String(n), timestamp: 't' } });
/** Handles watching channel `c`, which `msg` publishes on (interest itself is the bus suite's). */
const watching = async (...buses: MemoryBus[]): Promise<void> => void (await Promise.all(buses.map((b) => b.watch('c'))));

describe('MemoryBus', () => {
  it('is a node of its own by default (a private broker): two default buses share nothing', async () => {
    const a = new MemoryBus();
    const b = new MemoryBus();
    await watching(a, b);
    const onA: BusMessage[] = [];
    const onB: BusMessage[] = [];
    await a.subscribe((m) => onA.push(m));
    await b.subscribe((m) => onB.push(m));
    await a.publish(msg(1));
    await b.publish(msg(2));
    // Delivery is synchronous within publish, so these are final.
    expect(onA).toEqual([msg(1)]);
    expect(onB).toEqual([msg(2)]);
  });

  it('hands other handles a copy, as over a wire, and its own handlers the original', async () => {
    const broker = new MemoryBroker();
    const a = new MemoryBus(undefined, broker);
    const b = new MemoryBus(undefined, broker);
    await watching(a, b);
    const sent = msg(1);
    let own: BusMessage | undefined;
    let other: BusMessage | undefined;
    await a.subscribe((m) => (own = m));
    await b.subscribe((m) => (other = m));
    await a.publish(sent);
    expect(own).toBe(sent);
    expect(other).toEqual(sent);
    expect(other).not.toBe(sent);
  });

  it('reports a throwing handler to its own onHandlerError and refuses use after close with a clear error', async () => {
    const errors: unknown[] = [];
    const broker = new MemoryBroker();
    const a = new MemoryBus((err) => errors.push(err), broker);
    const b = new MemoryBus(() => undefined, broker);
    await watching(a, b);
    await a.subscribe(() => {
      throw new Error('bug');
    });
    await b.publish(msg(1));
    expect(errors).toEqual([new Error('bug')]);
    await a.close();
    await a.close();
    await expect(a.publish(msg(2))).rejects.toThrow('MemoryBus: publish on a closed bus');
    await expect(a.subscribe(() => undefined)).rejects.toThrow('MemoryBus: subscribe on a closed bus');
    await b.publish(msg(3));
    expect(errors).toHaveLength(1);
  });
});
