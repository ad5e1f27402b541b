import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { AuthMessage, CloseCode, ErrorCodes, SUBPROTOCOL } from '@livehub/protocol';
import { authFailureReason, type AuthFailureReason, type Authenticator, type Principal } from '../auth.js';
import { isHubError } from '../errors.js';
import type { BrowserGuard } from '../http/browser-guard.js';
import type { Hub } from '../hub/hub.js';
import { loggableUrl } from '../log-redaction.js';
import type { HubMetrics } from '../metrics.js';
import type { RequestIds } from '../request-ids.js';
import { clientIdOf, requestUrl, tokenOf } from './peer-identity.js';
import { WsSink } from './ws-sink.js';

export interface WebSocketOptions {
  maxFrameBytes: number;
  /** Bytes a peer may send before its welcome (while authentication runs); more closes it 1008. */
  maxEarlyBytes: number;
  /** How long a peer that came without a token has to send `auth` when auth is required. */
  authTimeoutMs: number;
  authenticator: Authenticator;
  /** Host and Origin checks, the same as the HTTP API's. */
  browserGuard: BrowserGuard;
  /** The hub's request ids: an upgrade is a request, its connection's log lines carry its `reqId`. */
  requestIds: RequestIds;
  metrics: HubMetrics;
  log: Logger;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Module-level on purpose: a closure here would share its context with the upgrade callback and keep `req` alive per connection (~1.3 KB). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString();
  return Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
}

function frameBytes(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
}

/**
 * WebSocket transport at `/ws` on the hub's own HTTP server: `ws` in noServer mode does the
 * handshake; this adapter authenticates and hands frames to the hub. Nothing else here.
 */
export function attachWebSocket(server: Server, hub: Hub, opts: WebSocketOptions): () => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxFrameBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', destroyOnError);
    // Before the handshake: a cross-origin page or a rebound name never gets a socket (browsers
    // apply no CORS to WebSockets; this is the only check there is).
    const refused = opts.browserGuard.refusal(req.headers);
    if (refused) return reject(socket, ErrorCodes[refused].status, refused === 'host_not_allowed' ? 'Misdirected Request' : 'Forbidden');
    const url = requestUrl(req);
    if (!url) return reject(socket, 400, 'Bad Request');
    if (url.pathname !== '/ws') return reject(socket, 404, 'Not Found');
    if (hub.isClosing) return reject(socket, 503, 'Service Unavailable');
    const clientId = clientIdOf(req, url);
    const token = tokenOf(req, url);
    const reqId = opts.requestIds.next(req.headers['x-request-id']);
    if (opts.log.isLevelEnabled('debug')) opts.log.debug({ reqId, clientId, url: loggableUrl(req.url ?? '/') }, 'ws upgrade');
    wss.handleUpgrade(req, socket, head, (ws) => {
      accept(ws, req, { clientId, reqId }, token).catch((err: unknown) => {
        opts.log.error({ err, clientId, reqId }, 'ws accept failed');
        ws.terminate();
      });
    });
  };

  async function accept(ws: WebSocket, req: IncomingMessage, ids: { clientId: string; reqId: string }, token: string | undefined): Promise<void> {
    const { clientId, reqId } = ids;
    // Frames sent before the welcome (clients need not wait for it) are kept, within a byte budget:
    // a slow authenticator must not let a peer pile up memory.
    const early: Array<[RawData, boolean]> = [];
    let earlyBytes = 0;
    let waiter: ((frame: RawData) => void) | undefined;
    // A peer closed before its welcome is no session, but its close is counted like a disconnect.
    let refusedWith: number | undefined;
    const refuse = (code: CloseCode, reason: string, authFailure?: AuthFailureReason): void => {
      if (refusedWith !== undefined) return;
      refusedWith = code;
      if (authFailure !== undefined) opts.metrics.authFailed(authFailure);
      hub.refused(code, reason, { clientId, reqId });
      ws.close(code, reason);
    };
    const keep = (data: RawData, isBinary: boolean): void => {
      earlyBytes += frameBytes(data);
      if (earlyBytes > opts.maxEarlyBytes) return refuse(CloseCode.Policy, 'too much data before welcome');
      if (waiter) return waiter(data);
      early.push([data, isBinary]);
    };
    ws.on('message', keep);
    ws.on('error', (err) => opts.log.debug({ clientId, reqId, err: err.message }, 'ws socket error'));

    let principal: Principal;
    try {
      principal = await opts.authenticator.authenticate(token);
    } catch (err) {
      if (token !== undefined || !isHubError(err) || err.code !== 'unauthenticated') {
        opts.log.info({ clientId, reqId, err: isHubError(err) ? err.message : err }, 'ws auth refused');
        return refuse(CloseCode.Unauthenticated, 'unauthenticated', authFailureReason(token, err));
      }
      // No token on the upgrade: the first frame must be `auth`, within authTimeoutMs.
      // The `auth` frame may already have arrived while the authenticator was deciding.
      const queued = early.shift()?.[0];
      const first =
        queued ??
        (await new Promise<RawData | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), opts.authTimeoutMs);
          waiter = (frame) => {
            clearTimeout(timer);
            waiter = undefined;
            resolve(frame);
          };
          ws.once('close', () => waiter?.(Buffer.alloc(0)));
        }));
      let parsed: unknown;
      try {
        parsed = first && JSON.parse(rawText(first));
      } catch {
        parsed = undefined;
      }
      const auth = AuthMessage.safeParse(parsed);
      if (!auth.success) {
        return first
          ? refuse(CloseCode.Unauthenticated, 'first message must be auth', 'no_auth_frame')
          : refuse(CloseCode.Unauthenticated, 'auth timeout', 'auth_timeout');
      }
      try {
        principal = await opts.authenticator.authenticate(auth.data.token);
      } catch (authErr) {
        opts.log.info({ clientId, reqId, err: isHubError(authErr) ? authErr.message : authErr }, 'ws auth frame refused');
        return refuse(CloseCode.Unauthenticated, 'token refused', authFailureReason(auth.data.token, authErr));
      }
    }
    if (hub.isClosing) return refuse(CloseCode.GoingAway, 'server shutting down');
    if (ws.readyState !== ws.OPEN) return;

    if (refusedWith !== undefined) return;
    const remote = req.socket.remoteAddress ?? 'unknown';
    try {
      hub.admit(remote, principal);
    } catch (err) {
      if (isHubError(err) && err.code === 'too_many_connections') return refuse(CloseCode.TooManyConnections, err.message);
      throw err;
    }
    const session = hub.open(new WsSink(ws), { clientId, reqId, transport: 'websocket', remote, userAgent: req.headers['user-agent'] }, principal);
    ws.on('close', (code, reason) => hub.closed(session, code, reason.toString()));
    ws.off('message', keep);
    // The session gets plain text: it knows nothing of `ws` buffers.
    const receive = (data: RawData, isBinary: boolean): void => session.receive(isBinary ? '' : rawText(data), isBinary);
    ws.on('message', receive);
    for (const [data, isBinary] of early) receive(data, isBinary);
  }

  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    wss.close();
  };
}
