import type { RateSample } from '@livehub/protocol';

export type { RateSample };

/**
 * Per-second counters of the last `keepSeconds`, for the dashboard's rate chart: a fixed ring,
 * so memory stays constant however long the hub runs. Counting is two additions per event.
 */
export class RateTracker {
  private readonly ring: RateSample[] = [];
  private current: RateSample;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: () => number,
    private readonly keepSeconds = 600,
  ) {
    this.current = this.fresh();
  }

  private fresh(): RateSample {
    return { t: Math.floor(Date.now() / 1000) * 1000, events: 0, deliveries: 0, connections: 0 };
  }

  start(): void {
    this.timer = setInterval(() => this.roll(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  countEvent(deliveries: number): void {
    this.current.events++;
    this.current.deliveries += deliveries;
  }

  private roll(): void {
    this.current.connections = this.connections();
    this.ring.push(this.current);
    if (this.ring.length > this.keepSeconds) this.ring.shift();
    this.current = this.fresh();
  }

  /** Completed seconds within the last `seconds`, oldest first. */
  samples(seconds = this.keepSeconds): RateSample[] {
    return this.ring.slice(-seconds);
  }
}
