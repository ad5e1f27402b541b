import type { EventMessage, LiveRecord } from '@livehub/protocol';
import type { ResetInfo, Subscription } from '../../src/index.js';

/** Everything a subscription delivered, and the state an app would build from it. */
export interface Recorded {
  events: EventMessage[];
  /** Seqs of durable events, in delivery order. */
  seqs: number[];
  resets: ResetInfo[];
  /** Records by id, as a cache would hold them: snapshot on reset, then every change applied. */
  state: Map<string, LiveRecord>;
}

export function record(sub: Subscription): Recorded {
  const r: Recorded = { events: [], seqs: [], resets: [], state: new Map() };
  sub.on('reset', (info) => {
    r.resets.push(info);
    if (info.snapshot) r.state = new Map(info.snapshot.map((rec) => [rec.id, rec]));
  });
  sub.on('event', (e) => {
    r.events.push(e);
    if (e.seq === undefined) return;
    r.seqs.push(e.seq);
    const d = e.data as { id: string; action: string; record?: LiveRecord };
    if (d.action === 'deleted') r.state.delete(d.id);
    else if (d.record) r.state.set(d.id, d.record);
  });
  return r;
}

/** Deterministic [0, 1) numbers (mulberry32), for jitter under test. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
