import type { ServerResponse } from 'node:http';
import { CloseCode, errorCodeForClose, type ErrorMessage } from '@livehub/protocol';
import type { OutMessage, Sink } from '../hub/sink.js';

/**
 * Server-Sent Events sink: one SSE event per message, `data:` is the same JSON a WebSocket gets.
 * Durable events carry `id: <seq>`, so a browser EventSource resumes by Last-Event-ID; but only
 * once every channel of the stream has caught up (`markSynced`), because per-channel replays
 * interleave and an earlier id would let a reconnect skip another channel's replay.
 *
 * Copies of one change (collection and record channel) share a seq: the id goes on the last copy,
 * so a resume never skips a copy. A batch may end inside a run of copies, so its last durable
 * message is held back until the next message (the same synchronous flush) or a microtask shows
 * whether the run goes on.
 */
export class SseSink implements Sink {
  onAlive: () => void = () => undefined;
  onDrain: () => void = () => undefined;
  /** The close code this stream ended with (for the disconnect log); undefined while open or when the peer left. */
  closedWith: number | undefined;
  private idsOn = false;
  /** The held-back last durable message of a write (ids on only). */
  private held: { frame: string; seq: number } | undefined;
  private heldScheduled = false;

  constructor(private readonly res: ServerResponse) {
    // 'drain' fires once a write that went over the high-water mark has been flushed to the OS.
    res.on('drain', () => this.onDrain());
  }

  write(batch: readonly OutMessage[]): void {
    let text = this.release(batch[0]?.seq);
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      const next = batch[i + 1];
      // Before the sync mark no message carries an id, so none needs holding back.
      if (!this.idsOn || m.seq === undefined || (next !== undefined && next.seq !== m.seq)) {
        text += this.event(m.frame, m.seq !== undefined && this.idsOn ? m.seq : undefined);
      } else if (next !== undefined) {
        text += this.event(m.frame, undefined);
      } else {
        this.hold(m.frame, m.seq);
      }
    }
    if (text) this.res.write(text);
  }

  /** Every channel of the stream is live and complete up to `seq`: from here on ids are safe to resume from. */
  markSynced(seq: number): void {
    if (!this.isOpen) return;
    // An event with an id and no data updates lastEventId without dispatching anything (WHATWG SSE).
    this.res.write(this.release(undefined) + `id: ${seq}\n\n`);
    this.idsOn = true;
  }

  private event(frame: string, id: number | undefined): string {
    return `${id === undefined ? '' : `id: ${id}\n`}data: ${frame}\n\n`;
  }

  private hold(frame: string, seq: number): void {
    this.held = { frame, seq };
    if (this.heldScheduled) return;
    this.heldScheduled = true;
    queueMicrotask(() => {
      this.heldScheduled = false;
      if (this.held && this.isOpen) this.res.write(this.release(undefined));
    });
  }

  /** Text of the held message; it carries its id unless the message `nextSeq` is another copy of it. */
  private release(nextSeq: number | undefined): string {
    const h = this.held;
    if (!h) return '';
    this.held = undefined;
    return this.event(h.frame, nextSeq !== h.seq ? h.seq : undefined);
  }

  get bufferedAmount(): number {
    return this.res.writableLength + (this.held?.frame.length ?? 0);
  }

  get isOpen(): boolean {
    return !this.res.writableEnded && !this.res.destroyed;
  }

  /** A comment line keeps proxies from timing the stream out; a dead peer shows up as a write error or backlog. */
  ping(): void {
    if (!this.isOpen) return;
    this.res.write(': ping\n\n');
    this.onAlive();
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.closedWith = code;
    const last: ErrorMessage = { type: 'error', code: errorCodeForClose(code), message: reason, closeCode: code };
    this.res.end(this.release(undefined) + `data: ${JSON.stringify(last)}\n\n`);
  }

  terminate(): void {
    this.closedWith ??= CloseCode.Abnormal;
    this.held = undefined;
    this.res.destroy();
  }
}
