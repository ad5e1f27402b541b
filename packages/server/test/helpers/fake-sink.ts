import type { OutMessage, Sink } from '../../src/hub/sink.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

/**
 * A `Sink` with no socket (centrifuge's `testTransport`): records every written batch, lets a test
 * set `bufferedAmount` (a peer that does not read) and fire the transport's signals (`drain`,
 * pong, close) by hand.
 */
export class FakeSink implements Sink {
  onAlive: () => void = () => undefined;
  onDrain: () => void = () => undefined;
  readonly batches: OutMessage[][] = [];
  bufferedAmount = 0;
  isOpen = true;
  pings = 0;
  closedWith: { code: number; reason: string } | undefined;
  terminated = false;

  write(batch: readonly OutMessage[]): void {
    if (!this.isOpen) throw new Error('write on a closed sink');
    this.batches.push([...batch]);
  }

  ping(): void {
    this.pings++;
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
    this.isOpen = false;
  }

  terminate(): void {
    this.terminated = true;
    this.isOpen = false;
  }

  /** The OS took buffered bytes: `bufferedAmount` goes down to `to`, and the sink says so. */
  drain(to = 0): void {
    this.bufferedAmount = to;
    this.onDrain();
  }

  /** Every message written, in order, parsed. */
  get messages(): Array<Record<string, unknown> & { type: string }> {
    return this.batches.flat().map((m) => JSON.parse(m.frame) as Record<string, unknown> & { type: string });
  }

  /** Waits for a written message matching `pred` and returns it. */
  async next(
    pred: (m: Record<string, unknown> & { type: string }) => boolean,
    what: string,
    timeoutMs = 2000,
  ): Promise<Record<string, unknown> & { type: string }> {
    await waitFor(
      () => this.messages.some(pred),
      () => `${what}; written: ${JSON.stringify(this.messages.slice(-3))}`,
      timeoutMs,
    );
    return this.messages.find(pred)!;
  }
}
