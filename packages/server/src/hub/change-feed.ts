import type { Logger } from 'pino';
import type { Change, Store } from '../store/store.js';

/**
 * Turns the bus's change announcements into one gapless, ordered stream for this node. A change
 * that arrives ahead of its predecessors waits while the gap is read from the log; a periodic head
 * check catches changes whose announcement never came (another process, a lost bus message).
 */
export class ChangeFeed {
  /** Last seq emitted. */
  head = 0;
  private readonly ahead = new Map<number, Change>();
  private filling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly emit: (change: Change) => void,
    private readonly log: Logger,
    private readonly pageSize = 1000,
    /** Called when changes were compacted before this node emitted them: subscribers must resync. */
    private readonly onGap: (from: number, to: number) => void = () => undefined,
  ) {}

  async start(pollMs: number): Promise<void> {
    this.head = (await this.store.bounds()).head;
    this.timer = setInterval(() => void this.poll(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  receive(change: Change): void {
    if (change.seq <= this.head) return;
    if (change.seq === this.head + 1 && !this.filling) {
      this.advance(change);
      this.drainAhead();
      return;
    }
    this.ahead.set(change.seq, change);
    void this.fill();
  }

  private advance(change: Change): void {
    this.head = change.seq;
    try {
      this.emit(change);
    } catch (err) {
      this.log.error({ err, seq: change.seq }, 'change fan-out failed');
    }
  }

  private drainAhead(): void {
    for (let next = this.ahead.get(this.head + 1); next; next = this.ahead.get(this.head + 1)) {
      this.ahead.delete(next.seq);
      this.advance(next);
    }
  }

  private async poll(): Promise<void> {
    try {
      const { head } = await this.store.bounds();
      if (head > this.head) await this.fill();
    } catch (err) {
      this.log.warn({ err }, 'change feed poll failed');
    }
  }

  /** Reads from the log until the head catches up with everything known to exist. One at a time. */
  private fill(): Promise<void> {
    this.filling ??= this.readGap().then(
      () => {
        this.filling = undefined;
        for (const seq of this.ahead.keys()) if (seq <= this.head) this.ahead.delete(seq);
        this.drainAhead();
        // Announcements that overtook the read: read again (they are committed, so it ends).
        if (this.ahead.size > 0) void this.fill();
      },
      (err: unknown) => {
        // Left to the next poll, so a failing store does not spin.
        this.filling = undefined;
        this.log.warn({ err }, 'change feed could not read the log');
      },
    );
    return this.filling;
  }

  private async readGap(): Promise<void> {
    for (;;) {
      const page = await this.store.changesSince(this.head, {}, this.pageSize);
      for (const c of page) {
        if (c.seq > this.head + 1) {
          // Only possible if another node's compaction outran this one: these changes are gone.
          this.log.error({ from: this.head + 1, to: c.seq - 1 }, 'change feed skipped compacted changes');
          this.onGap(this.head + 1, c.seq - 1);
          this.head = c.seq - 1;
        }
        this.advance(c);
      }
      if (page.length < this.pageSize) return;
    }
  }
}
