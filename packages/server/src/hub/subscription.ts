import type { ChannelInfo, RequestId, ServerMessage } from '@livehub/protocol';
import type { RecordPredicate } from '../authz/bind-rule.js';
import type { Outbox } from './outbox.js';

/**
 * One session's interest in one channel. While `syncing` (replay or snapshot in progress) live
 * messages wait in a buffer; `goLive` flushes the ones past the position and switches to direct
 * delivery. Durable messages at or below the position are dropped: that is what makes
 * snapshot/replay + live gapless and duplicate-free. Owned and closed by its session only.
 */
export class Subscription {
  state: 'syncing' | 'live' | 'closed' = 'syncing';
  /** Last durable seq this subscriber has (replayed, in a snapshot, or delivered live). */
  position = 0;
  /** The subscriber's read rule on this channel's records (undefined: it sees every change). Set from its grant, again on token refresh. */
  view: RecordPredicate | undefined;
  /** Whether ephemeral events published on this channel reach the subscriber. */
  ephemeral = true;
  private buffer: Array<{ seq: number | undefined; frame: string }> | undefined = [];

  constructor(
    private readonly out: Outbox,
    readonly channel: ChannelInfo,
    readonly requestId: RequestId | undefined,
    private readonly maxBuffered: number,
  ) {}

  /** Delivers a pre-encoded message; `seq` is set for durable events. */
  deliver(seq: number | undefined, frame: string): void {
    if (this.state === 'closed') return;
    if (this.state === 'syncing') {
      this.buffer!.push({ seq, frame });
      if (this.buffer!.length > this.maxBuffered) this.out.overflow('subscription buffer overflow during sync');
      return;
    }
    if (seq !== undefined) {
      if (seq <= this.position) return;
      this.position = seq;
    }
    this.out.send(frame, seq);
  }

  /** Sends a replayed durable message (during sync) and advances the position. */
  replay(seq: number, frame: string): void {
    if (this.state === 'closed' || seq <= this.position) return;
    this.position = seq;
    this.out.send(frame, seq);
  }

  /** A reply about this subscription (`subscribed`), in order with its events. */
  reply(message: ServerMessage): void {
    this.out.send(JSON.stringify(message));
  }

  goLive(): void {
    if (this.state !== 'syncing') return;
    const buffered = this.buffer!;
    this.buffer = undefined;
    this.state = 'live';
    for (const m of buffered) this.deliver(m.seq, m.frame);
  }

  close(): void {
    this.state = 'closed';
    this.buffer = undefined;
  }
}
