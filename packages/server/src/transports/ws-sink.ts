import type { WebSocket } from 'ws';
import type { OutMessage, Sink } from '../hub/sink.js';

/** WebSocket sink: one text frame per write, a JSON array when the batch holds several messages. */
export class WsSink implements Sink {
  onAlive: () => void = () => undefined;
  onDrain: () => void = () => undefined;
  /** `ws` calls it once the frame was handed to the OS (or failed): bufferedAmount went down. */
  private readonly sent = (): void => this.onDrain();

  constructor(private readonly ws: WebSocket) {
    ws.on('pong', () => this.onAlive());
  }

  write(batch: readonly OutMessage[]): void {
    this.ws.send(batch.length === 1 ? batch[0]!.frame : '[' + batch.map((m) => m.frame).join(',') + ']', this.sent);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  ping(): void {
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    // Close reasons are limited to 123 bytes by RFC 6455.
    this.ws.close(code, reason.slice(0, 120));
  }

  terminate(): void {
    this.ws.terminate();
  }
}
