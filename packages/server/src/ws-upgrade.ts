import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { SUBPROTOCOL } from '@livehub/protocol';
import type { Hub } from './hub/hub.js';
import { newClientId } from './ids.js';

const CLIENT_ID_RE = /^[A-Za-z0-9_.:~-]{1,128}$/;

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Credentials may come as `Authorization: Bearer` or, for browsers (no headers), `?token=`. */
function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** `x-client-id` header, or `?clientId=` for browsers; a missing or malformed one gets a fresh id. */
function clientIdOf(req: IncomingMessage, url: URL): string {
  const header = req.headers['x-client-id'];
  const given = (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('clientId') ?? undefined;
  return given !== undefined && CLIENT_ID_RE.test(given) ? given : newClientId();
}

/**
 * WebSocket endpoint `/ws` on the hub's own HTTP server: `ws` in noServer mode does the handshake,
 * the hub takes the socket from there.
 */
export function attachWebSocket(server: Server, hub: Hub, opts: { maxFrameBytes: number; log: Logger }): () => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxFrameBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return reject(socket, 400, 'Bad Request');
    }
    if (url.pathname !== '/ws') return reject(socket, 404, 'Not Found');
    if (hub.isClosing) return reject(socket, 503, 'Service Unavailable');
    const clientId = clientIdOf(req, url);
    const token = tokenOf(req, url);
    wss.handleUpgrade(req, socket, head, (ws) => {
      hub.accept(ws, req, clientId, token).catch((err: unknown) => {
        opts.log.error({ err, clientId }, 'ws accept failed');
        ws.terminate();
      });
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    wss.close();
  };
}
