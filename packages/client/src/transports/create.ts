import type { TransportKind } from '../options.js';
import { LongPollTransport } from './long-poll.js';
import { SseTransport } from './sse.js';
import type { Transport, TransportContext, TransportHost } from './transport.js';
import { WebSocketTransport } from './websocket.js';

const TRANSPORTS: Record<TransportKind, new (ctx: TransportContext, host: TransportHost) => Transport> = {
  websocket: WebSocketTransport,
  sse: SseTransport,
  'long-poll': LongPollTransport,
};

/** A new, unopened transport of `kind`. */
export function createTransport(kind: TransportKind, ctx: TransportContext, host: TransportHost): Transport {
  return new TRANSPORTS[kind](ctx, host);
}
