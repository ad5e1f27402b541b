import type { InterestListener } from './interest.js';
import type { Subscription } from './subscription.js';

/** Channel name → its subscriptions on this node. Tells `interest` when a channel gains its first or loses its last. */
export class ChannelIndex {
  private readonly byChannel = new Map<string, Set<Subscription>>();
  /** Subscriptions across all channels, kept as they come and go: the gauge reads it per subscribe. */
  private total = 0;

  constructor(private readonly interest?: Pick<InterestListener, 'channel'>) {}

  add(sub: Subscription): void {
    let set = this.byChannel.get(sub.channel.name);
    if (!set) this.byChannel.set(sub.channel.name, (set = new Set()));
    if (set.has(sub)) return;
    set.add(sub);
    this.total++;
    if (set.size === 1) this.interest?.channel(sub.channel.name, true);
  }

  remove(sub: Subscription): void {
    const set = this.byChannel.get(sub.channel.name);
    if (!set?.delete(sub)) return;
    this.total--;
    if (set.size === 0) {
      this.byChannel.delete(sub.channel.name);
      this.interest?.channel(sub.channel.name, false);
    }
  }

  get(channel: string): ReadonlySet<Subscription> | undefined {
    return this.byChannel.get(channel);
  }

  /** Subscriber count per channel, for stats. */
  counts(): Array<{ channel: string; subscribers: number }> {
    return [...this.byChannel].map(([channel, set]) => ({ channel, subscribers: set.size }));
  }

  /** Subscriptions in the index; O(1). */
  get size(): number {
    return this.total;
  }
}
