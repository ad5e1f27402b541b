/**
 * Bounded label values for per-channel metrics: a channel is counted under its pattern, the first
 * segment (`agent`, `agent:*` for its records, `session:*` for `session:42:out`), and only the first
 * `MAX` patterns seen get a label of their own; later ones are counted as `other`. Channel names
 * come from peers: without the bound, one peer subscribing to fresh names grows the scrape forever.
 */
export class ChannelPatternLabels {
  static readonly MAX = 50;
  private readonly admitted = new Set<string>();

  constructor(private readonly max = ChannelPatternLabels.MAX) {}

  /** The label `channel` is counted under. */
  labelOf(channel: string): string {
    const colon = channel.indexOf(':');
    const pattern = colon < 0 ? channel : `${channel.slice(0, colon)}:*`;
    if (this.admitted.has(pattern)) return pattern;
    if (this.admitted.size >= this.max) return 'other';
    this.admitted.add(pattern);
    return pattern;
  }

  /** Subscriber counts summed per label. */
  count(channels: Iterable<{ channel: string; subscribers: number }>): Map<string, number> {
    const out = new Map<string, number>();
    for (const { channel, subscribers } of channels) {
      const label = this.labelOf(channel);
      out.set(label, (out.get(label) ?? 0) + subscribers);
    }
    return out;
  }
}
