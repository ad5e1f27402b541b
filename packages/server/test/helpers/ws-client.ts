import WebSocket from 'ws';
import { SUBPROTOCOL, type ServerMessage } from '@livehub/protocol';

type Msg = ServerMessage & Record<string, unknown>;

/**
 * A raw protocol client for tests: records every message (batched frames are split), and lets a
 * test wait for the message it expects. Deliberately not the SDK: these tests pin the wire format.
 */
export class TestClient {
  readonly messages: Msg[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private waiters: Array<() => void> = [];
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('server sent a binary frame');
      const parsed: unknown = JSON.parse(data.toString());
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.messages.push(m as Msg);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
    ws.on('error', () => this.wake());
  }

  static async connect(baseUrl: string, opts: { clientId?: string; query?: string } = {}): Promise<TestClient> {
    const url = baseUrl.replace(/^http/, 'ws') + '/ws' + (opts.query ? `?${opts.query}` : '');
    const ws = new WebSocket(url, SUBPROTOCOL, { headers: opts.clientId ? { 'x-client-id': opts.clientId } : {} });
    const client = new TestClient(ws);
    await client.waitFor((m) => m.type === 'welcome');
    return client;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first recorded message (from `from` on) that matches, waiting if needed. */
  async waitFor(pred: (m: Msg) => boolean, opts: { timeoutMs?: number; from?: number } = {}): Promise<Msg> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    for (;;) {
      const found = this.messages.slice(opts.from ?? 0).find(pred);
      if (found) return found;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode} ${this.closeReason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; last messages: ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until `pred` holds for the list of recorded messages. */
  async until(pred: (all: Msg[]) => boolean, timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => pred(this.messages), { timeoutMs });
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

  /** Durable events received on a channel, in arrival order. */
  events(channel?: string): Array<Msg & { seq?: number; event: string; data: Record<string, unknown> }> {
    return this.messages.filter((m) => m.type === 'event' && (channel === undefined || m.channel === channel)) as never;
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
