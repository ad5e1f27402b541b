import type { Subscription } from './subscription.js';

/** Channel name → its subscriptions on this node. */
export class ChannelIndex {
  private readonly byChannel = new Map<string, Set<Subscription>>();

  add(sub: Subscription): void {
    let set = this.byChannel.get(sub.channel.name);
    if (!set) this.byChannel.set(sub.channel.name, (set = new Set()));
    set.add(sub);
  }

  remove(sub: Subscription): void {
    const set = this.byChannel.get(sub.channel.name);
    if (!set) return;
    set.delete(sub);
    if (set.size === 0) this.byChannel.delete(sub.channel.name);
  }

  get(channel: string): ReadonlySet<Subscription> | undefined {
    return this.byChannel.get(channel);
  }

  /** Subscriber count per channel, for stats. */
  counts(): Array<{ channel: string; subscribers: number }> {
    return [...this.byChannel].map(([channel, set]) => ({ channel, subscribers: set.size }));
  }

  get size(): number {
    let n = 0;
    for (const s of this.byChannel.values()) n += s.size;
    return n;
  }
}
