import type { ServerResponse } from 'node:http';
import { CloseCode, errorCodeForClose, type ErrorMessage } from '@livehub/protocol';
import type { OutMessage, Sink } from '../hub/sink.js';

/** A batch entry with an empty frame only moves the stream's Last-Event-ID (see `markSynced`). */
export const SYNC_MARK = '';

/**
 * Server-Sent Events sink: one SSE event per message, `data:` is the same JSON a WebSocket gets.
 * Durable events carry `id: <seq>`, so a browser EventSource resumes by Last-Event-ID; but only
 * once every channel of the stream has caught up (the sync mark), because per-channel replays
 * interleave and an earlier id would let a reconnect skip another channel's replay.
 */
export class SseSink implements Sink {
  onAlive: () => void = () => undefined;
  /** The close code this stream ended with (for the disconnect log); undefined while open or when the peer left. */
  closedWith: number | undefined;
  private idsOn = false;

  constructor(private readonly res: ServerResponse) {}

  write(batch: readonly OutMessage[]): void {
    let text = '';
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      if (m.frame === SYNC_MARK) {
        // An event with an id and no data updates lastEventId without dispatching anything (WHATWG SSE).
        if (m.seq !== undefined) text += `id: ${m.seq}\n\n`;
        this.idsOn = true;
        continue;
      }
      // Copies of one change (collection and record channel) share a seq: the id goes on the last
      // copy, so a resume never skips a copy (the writer keeps copies in one batch).
      if (this.idsOn && m.seq !== undefined && batch[i + 1]?.seq !== m.seq) text += `id: ${m.seq}\n`;
      text += `data: ${m.frame}\n\n`;
    }
    this.res.write(text);
  }

  get bufferedAmount(): number {
    return this.res.writableLength;
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
    this.res.end(`data: ${JSON.stringify(last)}\n\n`);
  }

  terminate(): void {
    this.closedWith ??= CloseCode.Abnormal;
    this.res.destroy();
  }
}
