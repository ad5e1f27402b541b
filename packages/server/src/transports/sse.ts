import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CloseCode } from '@livehub/protocol';
import { HubError } from '../errors.js';
import type { Hub } from '../hub/hub.js';
import { loggableUrl } from '../log-redaction.js';
import { clientIdOf, requestUrl } from './peer-identity.js';
import { SseSink } from './sse-sink.js';

const MAX_CHANNELS = 64;

const EventsQuery = z.object({
  channels: z.string().min(1).max(8192),
  since: z.coerce.number().int().min(0).optional(),
  epoch: z.string().max(128).optional(),
  snapshot: z.enum(['1', 'true', '0', 'false']).optional(),
});

/**
 * `agent@12,task:7,session:1` → channel → its own resume position (`@seq`, else undefined).
 * `@` cannot occur in a channel name, so the suffix is unambiguous.
 */
export function parseChannelPositions(list: string): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  for (const token of list.split(',')) {
    if (!token) continue;
    const at = token.lastIndexOf('@');
    if (at < 0) {
      out.set(token, undefined);
      continue;
    }
    const seq = token.slice(at + 1);
    if (!/^\d{1,15}$/.test(seq)) throw new HubError('invalid_query', `'${token}': the position after @ must be a seq`);
    out.set(token.slice(0, at), Number(seq));
  }
  return out;
}

/**
 * SSE transport: `GET /api/events?channels=a@12,b:1&since=&epoch=&snapshot=1`. A one-way connection
 * in the hub like any WebSocket, subscribed to its channels at open. A channel resumes from its own
 * `@seq`, else from `since`; `Last-Event-ID` (sent by a reconnecting EventSource) overrides both.
 */
export function registerSse(app: FastifyInstance, hub: Hub): void {
  app.get('/api/events', async (req, reply) => {
    const q = EventsQuery.safeParse(req.query);
    if (!q.success) throw new HubError('invalid_query', 'Expected ?channels=a,b[&since=N&epoch=E&snapshot=1]');
    const positions = parseChannelPositions(q.data.channels);
    const channels = [...positions.keys()];
    if (channels.length === 0 || channels.length > MAX_CHANNELS) throw new HubError('invalid_query', `Give 1 to ${MAX_CHANNELS} channels`);
    if (hub.isClosing) throw new HubError('shutting_down');
    // Refused while it can still be an HTTP status (429); `open` below checks the same, in the node.
    hub.admit(req.ip, req.principal);
    const lastEventId = req.headers['last-event-id'];
    // An EventSource's Last-Event-ID is a position for every channel of the stream (see SseSink).
    const resumeAll = typeof lastEventId === 'string' && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined;
    const snapshot = q.data.snapshot === '1' || q.data.snapshot === 'true';

    // A hijacked reply is not seen by the request observer: the stream gets its own line.
    if ((req.log as Logger).isLevelEnabled('debug')) req.log.debug({ url: loggableUrl(req.url), channels: channels.length }, 'sse stream opened');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Reverse proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const url = requestUrl(req.raw) ?? new URL('http://localhost/');
    const sink = new SseSink(res);
    const session = hub.open(
      sink,
      { clientId: clientIdOf(req.raw, url), reqId: req.id, transport: 'sse', remote: req.ip, userAgent: req.headers['user-agent'] },
      req.principal,
    );
    res.on('close', () => {
      hub.closed(session, sink.closedWith ?? CloseCode.Normal, sink.closedWith === undefined ? 'peer closed' : '');
      // An event stream is never reused for another request; without this, a peer that went away
      // without closing its socket keeps it open and holds up the server's shutdown.
      if (res.writableFinished) req.raw.socket.end();
      else req.raw.socket.destroy();
    });
    res.on('error', () => res.destroy());

    let complete = true;
    for (const channel of channels) {
      if (!session.isOpen) return;
      try {
        const since = resumeAll ?? positions.get(channel) ?? q.data.since;
        await session.subscribe({
          type: 'subscribe',
          id: channel,
          channel,
          ...(since !== undefined ? { since } : {}),
          ...(q.data.epoch ? { epoch: q.data.epoch } : {}),
          snapshot,
        });
      } catch (err) {
        const e = err instanceof HubError ? err : new HubError('internal');
        session.send({ type: 'error', id: channel, code: e.code, message: e.message });
        complete = false;
      }
    }
    // Every channel is live and complete up to the hub's head: from here on ids are safe to resume
    // from. A channel that failed keeps ids off, so a reconnect retries it from the original position.
    // What is queued goes out first, so the mark follows every replayed event.
    if (complete) {
      session.writer.flushNow();
      sink.markSynced(hub.head);
    }
  });
}
