import type { Bus, BusMessage, Change, EphemeralEvent } from '@livehub/server';

/** Two distinct handles on one bus: two "nodes", like two connections to one message server. */
export interface BusPair {
  a: Bus;
  b: Bus;
  /** Closes both handles and frees what `create` made; must tolerate a handle already closed. */
  cleanup(): Promise<void>;
}

export const change = (seq: number): Change => ({
  seq,
  ts: new Date().toISOString(),
  collection: 'c',
  id: `r${seq}`,
  action: 'created',
  version: 1,
  record: { collection: 'c', id: `r${seq}`, version: 1, createdAt: 'x', updatedAt: 'x', data: { seq } },
  changed: ['seq'],
});
export const changeMsg = (seq: number): BusMessage => ({ kind: 'change', change: change(seq) });
export const seqs = (got: BusMessage[]): number[] => got.map((m) => (m.kind === 'change' ? m.change.seq : -1));

/** An ephemeral event; its `dataJson` has spaces a re-encode would drop. */
export const ephemeral = (channel: string, n: number, clientId?: string): BusMessage => ({
  kind: 'ephemeral',
  event: { channel, event: 'e', dataJson: `{ "n": ${n} }`, timestamp: 't', ...(clientId !== undefined ? { clientId } : {}) },
});
/** The ephemeral events received, as `channel/n` (`clientId@channel/n` for a `sendTo`). */
export const ephemerals = (got: BusMessage[]): string[] =>
  got.flatMap((m) => (m.kind === 'ephemeral' ? [`${m.event.clientId !== undefined ? `${m.event.clientId}@` : ''}${m.event.channel}/${dataN(m.event)}`] : []));
const dataN = (e: EphemeralEvent): number => (JSON.parse(e.dataJson) as { n: number }).n;

/**
 * Collects what one handle delivers. A handle dispatches in order, so once a later marker (seq
 * `marker`) has arrived here, every earlier publish from the same publisher has been dispatched
 * to all of this handle's handlers: the way to show "not delivered" without sleeping.
 */
export async function recorder(bus: Bus): Promise<{ got: BusMessage[]; off: () => void }> {
  const got: BusMessage[] = [];
  const off = await bus.subscribe((m) => got.push(m));
  return { got, off };
}
export const hasSeq = (got: BusMessage[], seq: number) => () => seqs(got).includes(seq);
