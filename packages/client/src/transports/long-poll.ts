import {
  isDurableChannel,
  parseChannel,
  type ChangesResponse,
  type ClientMessage,
  type RecordEventMessage,
  type RequestId,
  type SessionResponse,
} from '@livehub/protocol/core';
import { LivehubError, isLivehubError } from '../errors.js';
import { httpRequest } from '../rest.js';
import { httpChannelState } from './http-snapshot.js';
import { closeCodeForStatus } from './sse.js';
import { ABNORMAL_CLOSE, type ChannelRequest, type CloseInfo, type Transport, type TransportContext, type TransportHost } from './transport.js';

/** `GET /api/session`'s body, checked: the `welcome` long-poll hands the client. */
function sessionOf(body: unknown): SessionResponse {
  const b = (body ?? {}) as Partial<SessionResponse>;
  if (typeof b.epoch !== 'string' || typeof b.seq !== 'number' || typeof b.clientId !== 'string') {
    throw new LivehubError('bad_response', 'GET /api/session: no clientId, epoch and seq in the answer');
  }
  return { clientId: b.clientId, epoch: b.epoch, seq: b.seq, heartbeatMs: 0, server: String(b.server), protocol: Number(b.protocol) };
}

/**
 * A failed `GET /api/session` in words that say where to look: an answer that is not the hub's
 * (a proxy's 404 page) usually means the proxy does not forward `/api`.
 */
function sessionFailed(err: unknown): unknown {
  if (!isLivehubError(err) || (err.code !== 'bad_response' && err.code !== 'not_found')) return err;
  const hint = 'a proxy in front of the hub must forward /api (and /ws) to it';
  return new LivehubError(err.code, `long-poll could not start: ${err.message} (${hint})`, {
    ...(err.status !== undefined ? { status: err.status } : {}),
    cause: err,
  });
}

/** Channels long-poll can carry: durable ones with a list read to confirm a position from (so not `*`). */
function isDurable(channel: string): boolean {
  const info = parseChannel(channel);
  return info !== undefined && isDurableChannel(info) && info.kind !== 'all';
}

/**
 * HTTP long-poll on `GET /api/changes?wait=`: the last resort when neither a WebSocket nor an event
 * stream gets through. Durable events only (ephemeral events are not stored, and a poll may land on
 * any node). The transport keeps one cursor for all channels; `welcome` comes from
 * `GET /api/session` and `subscribed` is synthesized from the list API, so the client sees the same
 * messages as on the other transports — all under `/api`, so a proxy that forwards `/api` and `/ws`
 * carries it.
 */
export class LongPollTransport implements Transport {
  readonly kind = 'long-poll' as const;
  readonly duplex = false;
  private readonly channels = new Map<string, ChannelRequest>();
  /** Channels whose `subscribed` is still to be synthesized. */
  private readonly unconfirmed = new Set<string>();
  private cursor: number | undefined;
  private epoch = '';
  private head = 0;
  private done = false;
  private poll: AbortController | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly ctx: TransportContext,
    private readonly host: TransportHost,
  ) {}

  open(): void {
    this.run().catch((err: unknown) => {
      if (this.done) return;
      const error = isLivehubError(err) ? err : undefined;
      const code = error ? closeCodeForStatus(error.status) : ABNORMAL_CLOSE;
      // A status the close policy acts on (401, 403, 429, 503) says enough; other failures pass their error on.
      const why = code === ABNORMAL_CLOSE && error ? { error, ...(error.code === 'bad_response' ? { blocked: true } : {}) } : {};
      this.fail({ code, reason: `long-poll: ${(err as Error).message}`, ...why });
    });
  }

  subscribe(req: ChannelRequest): void {
    this.channels.set(req.channel, req);
    this.unconfirmed.add(req.channel);
    this.interrupt();
  }

  unsubscribe(channel: string, id: RequestId): void {
    this.channels.delete(channel);
    this.unconfirmed.delete(channel);
    queueMicrotask(() => {
      if (!this.done) this.host.message({ type: 'unsubscribed', id, channel });
    });
    this.interrupt();
  }

  send(_msg: ClientMessage): boolean {
    return false;
  }

  updateToken(_token: string): void {
    // Every poll reads the client's current token.
  }

  close(): void {
    this.done = true;
    this.interrupt();
  }

  private fail(info: CloseInfo): void {
    if (this.done) return;
    this.done = true;
    this.interrupt();
    this.host.closed(info);
  }

  /** Ends the poll in flight (or the idle wait) so a changed channel set takes effect now. */
  private interrupt(): void {
    this.poll?.abort();
    this.wake?.();
  }

  private async run(): Promise<void> {
    let session: SessionResponse;
    try {
      session = sessionOf((await httpRequest(this.ctx.http, 'GET', '/api/session')).body);
    } catch (err) {
      throw sessionFailed(err);
    }
    if (this.done) return;
    this.epoch = session.epoch;
    this.head = session.seq;
    this.host.activity();
    this.host.message({ type: 'welcome', ...session });
    while (!this.done) {
      await this.confirm();
      if (this.done) return;
      const durable = [...this.channels.keys()].filter(isDurable);
      if (durable.length === 0 || this.cursor === undefined || this.unconfirmed.size > 0) {
        if (this.unconfirmed.size === 0) await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const page = await this.fetchPage(durable, this.cursor);
      if (!page || this.done) continue;
      this.host.activity();
      if (page.reset) {
        await this.resetAll(page, session);
        continue;
      }
      for (const change of page.changes) this.dispatch(change);
      this.cursor = page.seq;
      this.head = Math.max(this.head, page.seq);
    }
  }

  /** One poll; undefined when it was interrupted by a change of the channel set. */
  private async fetchPage(channels: string[], since: number): Promise<ChangesResponse | undefined> {
    const poll = (this.poll = new AbortController());
    const wait = this.ctx.options.pollWaitS;
    try {
      const { body } = await httpRequest(this.ctx.http, 'GET', '/api/changes', {
        query: { channels: channels.join(','), since, epoch: this.epoch, wait },
        signal: poll.signal,
        timeoutMs: wait * 1000 + this.ctx.options.connectionTimeoutMs,
      });
      return body as ChangesResponse;
    } catch (err) {
      if (poll.signal.aborted) return undefined;
      throw err;
    } finally {
      if (this.poll === poll) this.poll = undefined;
    }
  }

  /** `/api/changes` names the collection as `channel`; deliver a copy on each subscribed channel it belongs to, as the WebSocket does. */
  private dispatch(change: RecordEventMessage): void {
    const { collection, id } = change.data;
    for (const channel of [collection, `${collection}:${id}`]) {
      if (this.done) return;
      if (this.channels.has(channel) && !this.unconfirmed.has(channel)) this.host.message({ ...change, channel });
    }
  }

  private lowerCursor(seq: number): void {
    this.cursor = this.cursor === undefined ? seq : Math.min(this.cursor, seq);
  }

  /** Synthesizes `subscribed` for new channels: from their position, or from the list API when they have none. */
  private async confirm(): Promise<void> {
    for (const channel of [...this.unconfirmed]) {
      if (this.done) return;
      const req = this.channels.get(channel);
      const pos = this.host.position(channel);
      if (!req || !pos) {
        this.unconfirmed.delete(channel);
        this.channels.delete(channel);
        continue;
      }
      const info = parseChannel(channel);
      if (!info) {
        this.unconfirmed.delete(channel);
        this.channels.delete(channel);
        this.host.message({ type: 'error', id: req.id, code: 'invalid_channel', message: `Invalid channel '${channel}'` });
        continue;
      }
      if (!isDurable(channel)) {
        // No history and, on long-poll, no delivery: confirmed so the app is not left pending.
        this.unconfirmed.delete(channel);
        this.host.message({
          type: 'subscribed',
          id: req.id,
          channel,
          seq: this.head,
          epoch: this.epoch,
          replayed: 0,
          ...(req.snapshot ? { snapshot: [] } : {}),
        });
        continue;
      }
      if (pos.since !== undefined && (pos.epoch === undefined || pos.epoch === this.epoch)) {
        this.unconfirmed.delete(channel);
        this.lowerCursor(pos.since);
        // A position the log no longer has shows up as `reset` on the next poll.
        this.host.message({ type: 'subscribed', id: req.id, channel, seq: pos.since, epoch: this.epoch, replayed: 0 });
        continue;
      }
      await this.startOver(channel, req, pos.since !== undefined /* a position from another epoch */);
    }
  }

  /**
   * Reads a channel's state (and records, when asked) over HTTP and confirms the subscription at
   * that position, unless the transport closed or the request was replaced meanwhile.
   */
  private async startOver(channel: string, req: ChannelRequest, reset: boolean): Promise<void> {
    const state = await httpChannelState(this.ctx.http, channel, req.snapshot === true);
    if (this.done || this.channels.get(channel) !== req) return;
    this.unconfirmed.delete(channel);
    this.lowerCursor(state.seq);
    this.host.message({
      type: 'subscribed',
      id: req.id,
      channel,
      seq: state.seq,
      epoch: state.epoch,
      replayed: 0,
      ...(state.records ? { snapshot: state.records } : {}),
      ...(reset ? { reset: true as const } : {}),
    });
  }

  /** The hub refused the cursor (compacted, or another epoch): every durable channel starts over. */
  private async resetAll(page: ChangesResponse, session: SessionResponse): Promise<void> {
    if (page.epoch !== this.epoch) {
      this.epoch = page.epoch;
      this.host.message({ type: 'welcome', ...session, epoch: page.epoch, seq: page.seq });
    }
    this.cursor = undefined;
    for (const [channel, req] of [...this.channels]) {
      if (!isDurable(channel) || this.unconfirmed.has(channel)) continue;
      await this.startOver(channel, req, true);
      if (this.done) return;
    }
  }
}
