import { CloseCode, SUBPROTOCOL, decodeServerFrame, type ClientMessage, type RequestId } from '@livehub/protocol/core';
import { host, type WebSocketConstructor, type WebSocketLike } from '../options.js';
import { ABNORMAL_CLOSE, type ChannelRequest, type Transport, type TransportContext, type TransportHost } from './transport.js';

/** A variable, not a literal: bundlers then leave the import alone, so browser builds never include `ws`. */
const WS_PACKAGE = 'ws';
let wsPackage: Promise<WebSocketConstructor> | undefined;

/** The WebSocket to use, and whether it takes headers (only the `ws` package does). */
async function loadWebSocket(given: WebSocketConstructor | undefined): Promise<{ Impl: WebSocketConstructor; headers: boolean }> {
  if (given) return { Impl: given, headers: false };
  if (host.WebSocket) return { Impl: host.WebSocket, headers: false };
  wsPackage ??= import(/* webpackIgnore: true */ /* @vite-ignore */ WS_PACKAGE).then(
    (m: { default?: WebSocketConstructor; WebSocket?: WebSocketConstructor }) => {
      const Impl = m.default ?? m.WebSocket;
      if (!Impl) throw new Error("the 'ws' package exports no WebSocket");
      return Impl;
    },
  );
  return { Impl: await wsPackage, headers: true };
}

const OPEN = 1;

/** Application close codes (RFC 6455 §7.4.2): with 1000, the only ones a browser lets a client send. */
const APP_CODES = { min: 3000, max: 4999 };

/** Codes a client may send in a close frame (RFC 6455 §7.4; browsers refuse the others). */
function sendableCode(code: number): number {
  return code === CloseCode.Normal || (code >= APP_CODES.min && code <= APP_CODES.max) ? code : CloseCode.Normal;
}

/** WebSocket to `/ws`, offering `livehub.v1`. Requests made before the socket opens are queued (the hub keeps frames sent before `welcome`). */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket' as const;
  readonly duplex = true;
  private ws: WebSocketLike | undefined;
  private done = false;
  private readonly queue: string[] = [];

  constructor(
    private readonly ctx: TransportContext,
    private readonly host: TransportHost,
  ) {}

  open(): void {
    this.connect().catch((err: unknown) => this.fail(ABNORMAL_CLOSE, `cannot create a WebSocket: ${(err as Error).message}`));
  }

  private async connect(): Promise<void> {
    const { Impl, headers } = await loadWebSocket(this.ctx.options.WebSocket);
    if (this.done) return;
    const url = new URL(this.ctx.options.wsUrl);
    const token = this.ctx.token();
    const clientId = this.ctx.clientId();
    const head: Record<string, string> = {};
    if (token !== undefined) head.authorization = `Bearer ${token}`;
    if (clientId !== undefined) head['x-client-id'] = clientId;
    // Browsers cannot set headers on a WebSocket: the hub takes the same values from the query.
    if (!headers) {
      if (token !== undefined) url.searchParams.set('token', token);
      if (clientId !== undefined) url.searchParams.set('clientId', clientId);
    }
    const ws = new Impl(url.toString(), SUBPROTOCOL, { headers: head, perMessageDeflate: false });
    this.ws = ws;
    ws.onopen = () => {
      if (this.done) return;
      for (const frame of this.queue.splice(0)) ws.send(frame);
    };
    ws.onmessage = (ev: { data: unknown }) => {
      if (this.done) return;
      this.host.activity();
      if (typeof ev.data !== 'string') return; // the hub only sends text
      let messages;
      try {
        messages = decodeServerFrame(ev.data);
      } catch {
        return; // not JSON: nothing the protocol can act on
      }
      for (const m of messages) {
        if (this.done) return;
        this.host.message(m);
      }
    };
    let blocked = false;
    ws.onclose = (ev: { code?: number; reason?: string }) => this.fail(ev.code ?? ABNORMAL_CLOSE, ev.reason ?? '', blocked);
    // An error is always followed by close, which carries the code. Only `ws` says why (browsers
    // hide it): an HTTP answer to the upgrade means something on the way refused the WebSocket.
    ws.onerror = (ev: { message?: unknown }) => {
      if (typeof ev?.message === 'string' && ev.message.startsWith('Unexpected server response')) blocked = true;
    };
  }

  private fail(code: number, reason: string, blocked = false): void {
    if (this.done) return;
    this.done = true;
    this.host.closed({ code, reason, ...(blocked ? { blocked } : {}) });
  }

  private enqueue(msg: ClientMessage): void {
    if (this.done) return;
    const frame = JSON.stringify(msg);
    if (this.ws?.readyState === OPEN) this.ws.send(frame);
    else this.queue.push(frame);
  }

  subscribe(req: ChannelRequest): void {
    this.enqueue({ type: 'subscribe', ...req });
  }

  unsubscribe(channel: string, id: RequestId): void {
    this.enqueue({ type: 'unsubscribe', id, channel });
  }

  send(msg: ClientMessage): boolean {
    if (this.done || this.ws?.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  updateToken(token: string): void {
    this.enqueue({ type: 'auth', token });
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    try {
      this.ws?.close(sendableCode(code), reason);
    } catch {
      // closing a socket that never opened may throw in some engines; it is gone either way
    }
  }
}
