import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A real HTTP proxy on 127.0.0.1 in front of a hub, like the corporate proxies that break
 * WebSockets: it forwards plain HTTP (streaming responses included) but can refuse WebSocket
 * upgrades and fail chosen paths (e.g. `/api/events`) with a 502 HTML page. Rules change live.
 */
export class BlockingProxy {
  /** Refuse every WebSocket upgrade with `403`. */
  blockUpgrades = false;
  /** Paths answered with a 502 HTML page instead of being forwarded. */
  readonly blockedPaths = new Set<string>();
  upgradesRefused = 0;
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket | Duplex>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    readonly url: string,
  ) {}

  static async start(target: string, rules: { blockUpgrades?: boolean; blockedPaths?: string[] } = {}): Promise<BlockingProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const proxy = new BlockingProxy(server, new URL(target), `http://127.0.0.1:${port}`);
    proxy.blockUpgrades = rules.blockUpgrades ?? false;
    for (const p of rules.blockedPaths ?? []) proxy.blockedPaths.add(p);
    server.on('connection', (s) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    server.on('request', (req, res) => proxy.forward(req, res));
    server.on('upgrade', (req, socket, head) => proxy.upgrade(req, socket, head));
    return proxy;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    this.requests.push(`${req.method} ${path}`);
    if (this.blockedPaths.has(path)) {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway (blocked by proxy)</body></html>');
      return;
    }
    const upstream = request({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // The client went away (e.g. an SSE stream aborted): drop the upstream request too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.blockUpgrades) {
      this.upgradesRefused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = connect(Number(this.target.port), this.target.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(raw + '\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      socket.destroy();
    });
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  }

  /** Cuts every connection through the proxy (as a proxy restart would). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
