import type { OutMessage, Sink } from './sink.js';

/** At most this much goes into one batched frame, so a replay never builds one giant frame. */
const MAX_BATCH_MESSAGES = 128;
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * The only thing that writes to a connection's sink. Messages arrive pre-encoded (a broadcast is
 * encoded once for all subscribers); everything queued in one tick goes out in one write (one
 * WebSocket frame, a JSON array when there are several). The queue is bounded in bytes: over the
 * limit the peer is a slow consumer and `onOverflow` closes it.
 */
export class Writer {
  private queue: OutMessage[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private closed = false;
  /** Messages written to the socket, for metrics. */
  sent = 0;

  constructor(
    private readonly sink: Sink,
    private readonly maxQueueBytes: number,
    private readonly onOverflow: () => void,
  ) {}

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
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Bytes waiting here or in the sink. */
  get pendingBytes(): number {
    return this.queuedBytes + this.sink.bufferedAmount;
  }

  /** Resolves when the socket has sent what was queued, so long replays do not flood memory. */
  async drained(lowWaterBytes = 1024 * 1024): Promise<void> {
    while (!this.closed && this.pendingBytes > lowWaterBytes) {
      await new Promise((r) => setTimeout(r, 5));
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
      let j = i;
      let bytes = 0;
      // Copies of one change (same seq, several channels) stay in one batch: SSE ids rely on it.
      while (
        j < q.length &&
        (j === i || (j - i < MAX_BATCH_MESSAGES && bytes + q[j]!.frame.length <= MAX_BATCH_BYTES) || (q[j]!.seq !== undefined && q[j]!.seq === q[j - 1]!.seq))
      ) {
        bytes += q[j]!.frame.length;
        j++;
      }
      this.sink.write(j - i === q.length ? q : q.slice(i, j));
      this.sent += j - i;
      i = j;
    }
  };

  /** Writes what is queued now rather than on the next tick (before a close frame). */
  flushNow(): void {
    this.flush();
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
  }
}
