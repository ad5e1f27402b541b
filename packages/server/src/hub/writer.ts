import type { OutboundBudget } from './outbound-budget.js';
import type { OutMessage, Sink } from './sink.js';

/** At most this much goes into one batched write, so a replay never builds one giant frame. */
const MAX_BATCH_MESSAGES = 128;
const MAX_BATCH_BYTES = 256 * 1024;
/** Default backlog under which `drained()` resolves. */
export const DRAIN_LOW_WATER_BYTES = 1024 * 1024;

/**
 * The only thing that writes to a session's sink. Messages arrive pre-encoded (a broadcast is
 * encoded once for all subscribers); everything queued in one tick goes out in as few writes as
 * the batch bounds allow. The queue is bounded in bytes: over the limit the peer is a slow
 * consumer and `onOverflow` closes it. Backpressure is event-driven: the sink's `onDrain` (and
 * each flush) re-checks the waiters of `drained()`.
 */
export class Writer {
  private queue: OutMessage[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private closed = false;
  private readonly waiters = new Set<{ lowWater: number; resolve: () => void }>();
  /** Messages written to the sink, for metrics. */
  sent = 0;
  /** The backlog last reported to the node's budget. */
  private accounted = 0;

  constructor(
    private readonly sink: Sink,
    private readonly maxQueueBytes: number,
    private readonly onOverflow: () => void,
    private readonly budget?: OutboundBudget,
  ) {}

  /** Reports this writer's backlog change to the node-wide budget. */
  private account(): void {
    if (!this.budget) return;
    const now = this.closed ? 0 : this.pendingBytes;
    this.budget.adjust(now - this.accounted);
    this.accounted = now;
  }

  send(frame: string, seq?: number): void {
    if (this.closed) return;
    // The backlog is measured before this message: one message larger than the limit (a big
    // snapshot) still goes out; a peer that does not drain its backlog is the slow consumer.
    if (this.pendingBytes > this.maxQueueBytes) {
      this.close();
      this.onOverflow();
      return;
    }
    this.queue.push(seq === undefined ? { frame } : { frame, seq });
    this.queuedBytes += frame.length;
    // Per message only the queue grew (a fan-out's hot path): the sink's share is re-read at the
    // flush and on drain, which re-account the whole backlog.
    if (this.budget) {
      this.budget.adjust(frame.length);
      this.accounted += frame.length;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Bytes waiting here or in the sink. */
  get pendingBytes(): number {
    return this.queuedBytes + this.sink.bufferedAmount;
  }

  /**
   * Resolves once the backlog is at most `lowWaterBytes` (or the writer is closed), so a long
   * replay does not flood memory. Woken by the sink's drain signal, never by polling.
   */
  drained(lowWaterBytes = DRAIN_LOW_WATER_BYTES): Promise<void> {
    if (this.closed || this.pendingBytes <= lowWaterBytes) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ lowWater: lowWaterBytes, resolve }));
  }

  /** The sink handed bytes to the OS (its `onDrain`): waiters under their low water go on. */
  onDrain(): void {
    this.account();
    if (this.waiters.size === 0) return;
    const pending = this.closed ? 0 : this.pendingBytes;
    for (const w of this.waiters) {
      if (pending > w.lowWater) continue;
      this.waiters.delete(w);
      w.resolve();
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.closed || !this.sink.isOpen) return;
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    let i = 0;
    while (i < q.length) {
      let j = i + 1;
      let bytes = q[i]!.frame.length;
      while (j < q.length && j - i < MAX_BATCH_MESSAGES && bytes + q[j]!.frame.length <= MAX_BATCH_BYTES) bytes += q[j++]!.frame.length;
      this.sink.write(j - i === q.length ? q : q.slice(i, j));
      this.sent += j - i;
      i = j;
    }
    // The queue moved into the sink: a sink that sent it at once never signals a drain.
    this.onDrain();
  };

  /** Writes what is queued now rather than on the next tick (before a close frame or a stream marker). */
  flushNow(): void {
    this.flush();
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.onDrain();
  }
}
