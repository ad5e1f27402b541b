/**
 * The node's outbound memory bound: the sum of every writer's backlog (its queue plus its
 * transport's buffer), kept as a running total so checking it costs O(1). Writers report their
 * own changes (`adjust`); going over `maxBytes` calls `onOver` once per tick, which sheds the
 * connections with the largest backlogs.
 */
export class OutboundBudget {
  total = 0;
  private pending = false;

  constructor(
    readonly maxBytes: number,
    private readonly onOver: () => void,
  ) {}

  adjust(delta: number): void {
    this.total += delta;
    if (this.total <= this.maxBytes || this.pending) return;
    this.pending = true;
    // Deferred: the writer reporting is in the middle of a send.
    setImmediate(() => {
      this.pending = false;
      if (this.total > this.maxBytes) this.onOver();
    });
  }
}
