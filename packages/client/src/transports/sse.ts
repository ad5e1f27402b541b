import { CloseCode, SYSTEM_CHANNEL, decodeServerFrame, type ClientMessage, type RequestId, type ServerMessage } from '@livehub/protocol/core';
import { LivehubError } from '../errors.js';
import { fetchFailed } from '../network-error.js';
import { SseParser } from './sse-parser.js';
import { ABNORMAL_CLOSE, type ChannelRequest, type Transport, type TransportContext, type TransportHost } from './transport.js';

/** WebSocket close code for an HTTP status that refused the stream or a poll. */
export function closeCodeForStatus(status: number | undefined): number {
  switch (status) {
    case 401:
      return CloseCode.Unauthenticated;
    case 403:
      return CloseCode.Forbidden;
    case 429:
      return CloseCode.TooManyConnections;
    case 503:
      return CloseCode.GoingAway;
    default:
      return ABNORMAL_CLOSE;
  }
}

/**
 * Server-Sent Events from `GET /api/events`, read with fetch and a streaming parser (so it works in
 * Node 20 and can send `Authorization`). One stream carries every channel; changing the set — or
 * the token — reopens it, each channel resuming from its own position (`channel@seq`) and the
 * ones without a position starting fresh (with a snapshot when asked).
 */
export class SseTransport implements Transport {
  readonly kind = 'sse' as const;
  readonly duplex = false;
  private readonly channels = new Map<string, ChannelRequest>();
  private done = false;
  private generation = 0;
  private abort: AbortController | undefined;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: TransportContext,
    private readonly host: TransportHost,
  ) {}

  open(): void {
    this.scheduleReopen();
  }

  subscribe(req: ChannelRequest): void {
    this.channels.set(req.channel, req);
    this.scheduleReopen();
  }

  unsubscribe(channel: string, id: RequestId): void {
    this.channels.delete(channel);
    // The hub forgets the channel when the stream reopens without it; confirm at once.
    queueMicrotask(() => {
      if (!this.done) this.host.message({ type: 'unsubscribed', id, channel });
    });
    this.scheduleReopen();
  }

  send(_msg: ClientMessage): boolean {
    return false;
  }

  updateToken(_token: string): void {
    // The stream authenticated with the old token; a new stream presents the new one (and resumes by seq).
    this.scheduleReopen();
  }

  close(): void {
    this.done = true;
    clearTimeout(this.reopenTimer);
    this.abort?.abort();
  }

  /** Subscribes made in one turn share one reopen. */
  private scheduleReopen(): void {
    if (this.done || this.reopenTimer !== undefined) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      this.reopen();
    }, 0);
  }

  private fail(code: number, reason: string, blocked = false, error?: LivehubError): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.reopenTimer);
    this.abort?.abort();
    this.host.closed({ code, reason, ...(blocked ? { blocked } : {}), ...(error ? { error } : {}) });
  }

  private reopen(): void {
    if (this.done) return;
    const gen = ++this.generation;
    this.abort?.abort();
    const abort = (this.abort = new AbortController());

    // Positions are read now, after the old stream's last delivered event.
    let epoch: string | undefined;
    let snapshot = false;
    const list: string[] = [];
    for (const [channel, req] of [...this.channels]) {
      const pos = this.host.position(channel);
      if (!pos) {
        this.channels.delete(channel);
        continue;
      }
      if (req.snapshot) snapshot = true;
      if (pos.since === undefined) list.push(channel);
      else {
        list.push(`${channel}@${pos.since}`);
        epoch ??= pos.epoch;
      }
    }
    // The hub wants at least one channel; every connection hears `system` anyway.
    if (list.length === 0) list.push(SYSTEM_CHANNEL);

    const url = new URL(this.ctx.options.httpBase + '/api/events');
    url.searchParams.set('channels', list.join(','));
    if (epoch !== undefined) url.searchParams.set('epoch', epoch);
    if (snapshot) url.searchParams.set('snapshot', '1');
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    const token = this.ctx.token();
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const clientId = this.ctx.clientId();
    if (clientId !== undefined) headers['x-client-id'] = clientId;

    const current = () => gen === this.generation && !this.done;
    const deliver = (m: ServerMessage) => this.deliver(m);
    const parser = new SseParser({
      event: (e) => {
        if (!current()) return;
        let messages: ServerMessage[];
        try {
          messages = decodeServerFrame(e.data);
        } catch {
          return;
        }
        for (const m of messages) if (current()) deliver(m);
      },
      comment: () => {
        if (current()) this.host.activity();
      },
    });

    void (async () => {
      let res: Response;
      try {
        res = await this.ctx.options.fetch(url.toString(), { headers, signal: abort.signal });
      } catch (err) {
        if (current()) this.fail(ABNORMAL_CLOSE, `GET /api/events: ${(err as Error).message}`, false, fetchFailed('GET /api/events', url.toString(), err));
        return;
      }
      if (!current()) {
        await res.body?.cancel().catch(() => undefined);
        return;
      }
      const type = res.headers.get('content-type') ?? '';
      if (!res.ok || !type.startsWith('text/event-stream') || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        const code = res.ok ? ABNORMAL_CLOSE : closeCodeForStatus(res.status);
        // An answer the hub would not give (a proxy's error page) means the stream is blocked on the way.
        const blocked = code === ABNORMAL_CLOSE;
        const reason = `GET /api/events: HTTP ${res.status} ${type}`;
        const error = blocked
          ? new LivehubError('bad_response', `${reason}: not an event stream (does a proxy answer instead of the hub?)`, { status: res.status })
          : undefined;
        return this.fail(code, reason, blocked, error);
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (!current()) break;
          if (done) return this.fail(ABNORMAL_CLOSE, 'event stream ended');
          this.host.activity();
          parser.push(decoder.decode(value, { stream: true }));
        }
      } catch (err) {
        if (current()) this.fail(ABNORMAL_CLOSE, `event stream broke: ${(err as Error).message}`);
      } finally {
        reader.cancel().catch(() => undefined);
      }
    })();
  }

  /** Maps the stream's per-channel ids (the channel names) to the client's request ids. */
  private deliver(m: ServerMessage): void {
    switch (m.type) {
      case 'error': {
        // The stream's last words: a WebSocket would have closed with this code.
        if (m.closeCode !== undefined) return this.fail(m.closeCode, m.message);
        const req = typeof m.id === 'string' ? this.channels.get(m.id) : undefined;
        return this.host.message(req ? { ...m, id: req.id } : m);
      }
      case 'subscribed': {
        const req = this.channels.get(m.channel);
        if (!req) return; // unsubscribed meanwhile; the next stream drops it
        return this.host.message({ ...m, id: req.id });
      }
      default:
        return this.host.message(m);
    }
  }
}
