import { describe, expect, it } from 'vitest';
import type { Outbox } from '../../src/hub/outbox.js';
import { Subscription } from '../../src/hub/subscription.js';

function outbox(): Outbox & { sent: Array<[string, number | undefined]>; overflows: string[] } {
  const sent: Array<[string, number | undefined]> = [];
  const overflows: string[] = [];
  return { sent, overflows, send: (frame, seq) => void sent.push([frame, seq]), overflow: (why) => void overflows.push(why) };
}

const channel = { kind: 'collection', name: 'task', collection: 'task' } as const;

describe('Subscription', () => {
  it('buffers live messages while syncing; going live drops what the sync already covered', () => {
    const out = outbox();
    const sub = new Subscription(out, channel, 1, 100);
    sub.deliver(3, 'live3');
    sub.deliver(undefined, 'ephemeral');
    sub.replay(2, 'replay2');
    sub.replay(3, 'replay3');
    sub.deliver(4, 'live4');
    expect(out.sent).toEqual([
      ['replay2', 2],
      ['replay3', 3],
    ]);
    sub.goLive();
    expect(out.sent.slice(2)).toEqual([
      ['ephemeral', undefined],
      ['live4', 4],
    ]);
    expect(sub.position).toBe(4);
  });

  it('never delivers a durable message twice or out of order once live', () => {
    const out = outbox();
    const sub = new Subscription(out, channel, 1, 100);
    sub.position = 5;
    sub.goLive();
    for (const seq of [4, 5, 6, 6, 7]) sub.deliver(seq, `e${seq}`);
    expect(out.sent).toEqual([
      ['e6', 6],
      ['e7', 7],
    ]);
  });

  it('overflows through its outbox when the sync buffer is over its limit', () => {
    const out = outbox();
    const sub = new Subscription(out, channel, 1, 2);
    for (let i = 1; i <= 3; i++) sub.deliver(i, `e${i}`);
    expect(out.overflows).toEqual(['subscription buffer overflow during sync']);
  });

  it('sends nothing once closed', () => {
    const out = outbox();
    const sub = new Subscription(out, channel, 1, 100);
    sub.goLive();
    sub.close();
    sub.deliver(1, 'e1');
    sub.replay(2, 'e2');
    sub.goLive();
    expect(out.sent).toEqual([]);
  });
});
