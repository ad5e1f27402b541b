import { describe, expect, it } from 'vitest';
import { ChannelIndex } from '../../src/hub/channel-index.js';
import type { Subscription } from '../../src/hub/subscription.js';

const sub = (name: string): Subscription => ({ channel: { kind: 'ephemeral', name } }) as unknown as Subscription;

describe('ChannelIndex', () => {
  it('counts subscriptions without walking the channels (the gauge reads it on every subscribe)', () => {
    const index = new ChannelIndex();
    const subs = Array.from({ length: 10_000 }, (_, i) => sub(`session:${i}`));
    for (const s of subs) index.add(s);
    index.add(subs[0]!); // a second add of the same subscription is not a second one
    // Any walk of the channel map now throws: `size` must not need one.
    const byChannel = (index as unknown as { byChannel: Map<string, unknown> }).byChannel;
    const walk = (): never => {
      throw new Error('size walked the channel index');
    };
    for (const m of ['values', 'entries', 'keys', 'forEach', Symbol.iterator] as const) Object.defineProperty(byChannel, m, { value: walk });
    expect(index.size).toBe(10_000);
    index.remove(subs[1]!);
    index.remove(subs[1]!); // removing twice removes once
    index.remove(sub('never-added'));
    expect(index.size).toBe(9_999);
  });
});

describe('ChannelIndex interest', () => {
  it("tells its listener of a channel's first subscription and its last, not of the ones between", () => {
    const heard: string[] = [];
    const index = new ChannelIndex({ channel: (name, watched) => void heard.push(`${watched ? '+' : '-'}${name}`) });
    const [a, b, c] = [sub('room:1'), sub('room:1'), sub('room:2')];
    index.add(a);
    index.add(b);
    index.add(a);
    index.add(c);
    index.remove(a);
    index.remove(a);
    expect(heard).toEqual(['+room:1', '+room:2']);
    index.remove(b);
    index.remove(c);
    expect(heard).toEqual(['+room:1', '+room:2', '-room:1', '-room:2']);
  });
});
