import WebSocket from 'ws';
import { SUBPROTOCOL } from '@livehub/protocol';
import { Recorder, type Msg } from './recorder.js';
import { wsText } from '../../../../test/helpers/ws-text.js';

/**
 * A raw protocol client for tests: records every message (batched frames are split), and lets a
 * test wait for the message it expects. Deliberately not the SDK: these tests pin the wire format.
 */
export class TestClient extends Recorder {
  closeCode: number | undefined;
  closeReason = '';
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('server sent a binary frame');
      const parsed: unknown = JSON.parse(wsText(data));
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.messages.push(m as Msg);
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    // A socket error is followed by 'close', which ends the waits.
    ws.on('error', () => undefined);
  }

  static async connect(baseUrl: string, opts: { clientId?: string; query?: string } = {}): Promise<TestClient> {
    const url = baseUrl.replace(/^http/, 'ws') + '/ws' + (opts.query ? `?${opts.query}` : '');
    const ws = new WebSocket(url, SUBPROTOCOL, { headers: opts.clientId ? { 'x-client-id': opts.clientId } : {} });
    const client = new TestClient(ws);
    await client.waitFor((m) => m.type === 'welcome');
    return client;
  }

  protected endedWhy(): string | undefined {
    return this.closeCode === undefined ? undefined : `socket closed (${this.closeCode} ${this.closeReason})`;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends `subscribe` and resolves with its `subscribed` reply (or throws on `error`). */
  async subscribe(channel: string, opts: { since?: number; epoch?: string; snapshot?: boolean } = {}): Promise<Msg> {
    const id = this.nextId++;
    const from = this.messages.length;
    this.send({ type: 'subscribe', id, channel, ...opts });
    const reply = await this.waitFor((m) => (m.type === 'subscribed' || m.type === 'error') && m.id === id, { from });
    if (reply.type === 'error') throw new Error(`subscribe ${channel} refused: ${String(reply.code)} ${String(reply.message)}`);
    return reply;
  }

  async closed(timeoutMs = 5000): Promise<number> {
    await this.waitFor(() => false, { timeoutMs }).catch(() => undefined);
    if (this.closeCode === undefined) throw new Error('socket did not close');
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }
}
