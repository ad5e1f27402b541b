import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP pass-through to a real server (the shared Redis or PostgreSQL), which a test can cut and
 * bring back on the same port: an outage or partition as one node sees it, without touching the
 * real server that other tests and processes use. Nothing answers in the engine's place.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    /** Holds what the client sends this long before passing it on: a slow link to the server. */
    private readonly delayMs = 0,
  ) {}

  /** Listens (on the port it had before, once it has one). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        // Equal delays keep the order: timers of one duration fire first in, first out.
        if (this.delayMs > 0 && from === client) from.on('data', (chunk) => setTimeout(() => to.write(chunk), this.delayMs));
        else from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Cuts every connection and stops listening: connecting is refused until `start` again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
