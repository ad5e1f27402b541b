import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startHub } from '../../server/test/helpers/hub-fixture.js';
import { createClient, type LivehubError } from '../src/index.js';
import { record } from './helpers/recorder.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * A reverse proxy like the dashboard's Vite dev server config: it forwards only the path prefixes
 * it is given (`/api`, `/ws`) and answers everything else with its own 404 page, as a dev server
 * serving the app would.
 */
async function prefixProxy(target: string, prefixes: string[]): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const t = new URL(target);
  const seen: string[] = [];
  const sockets = new Set<Duplex>();
  const forwarded = (url: string | undefined) => prefixes.some((p) => new URL(url ?? '/', 'http://proxy').pathname.startsWith(p));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${new URL(req.url ?? '/', 'http://proxy').pathname}`);
    if (!forwarded(req.url)) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!doctype html><title>Not found</title><p>Cannot GET this path</p>');
      return;
    }
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!forwarded(req.url)) return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    const up = connect(Number(t.port), t.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(raw + '\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function hubBehind(prefixes: string[]) {
  const hub = await startHub();
  cleanups.push(() => hub.cleanup());
  const proxy = await prefixProxy(hub.url, prefixes);
  cleanups.push(() => proxy.close());
  return { hub, proxy };
}

function longPollClient(url: string) {
  const c = createClient({ url, transports: ['long-poll'], pollWaitS: 5, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  cleanups.push(() => c.close());
  const errors: LivehubError[] = [];
  c.on('error', (e) => errors.push(e));
  return { c, errors };
}

describe('long-poll behind a proxy that forwards only /api and /ws (real hub, real proxy)', () => {
  it('reaches live through /api alone and receives a change; /healthz is never asked', async () => {
    const { hub, proxy } = await hubBehind(['/api', '/ws']);
    const { c, errors } = longPollClient(proxy.url);
    const agents = c.subscribe('agent');
    const rec = record(agents);
    await waitFor(() => c.isConnected, 'connected over long-poll');
    await agents.ready;
    const created = await api(hub.url, 'POST', '/api/c/agent', { id: 'a1', name: 'scout' });
    expect(created.status).toBe(201);
    await waitFor(() => rec.seqs.length === 1, 'the change over long-poll');
    expect(rec.events[0]!.event).toBe('agent.created');
    expect(c.transport).toBe('long-poll');
    // The welcome came from the hub: its epoch, and a clientId the hub handed out.
    const health = await api(hub.url, 'GET', '/healthz');
    expect(c.epoch).toBe(health.body.epoch);
    expect(c.clientId).toMatch(/^c-/);
    expect(proxy.seen).toContain('GET /api/session');
    expect(proxy.seen.some((r) => !r.startsWith('GET /api/'))).toBe(false);
    expect(errors).toEqual([]);
  });

  it('a proxy that does not forward /api: an `error` event says so, instead of "Connecting…" with nothing to tell', async () => {
    const { proxy } = await hubBehind(['/ws']);
    const { c, errors } = longPollClient(proxy.url);
    await waitFor(() => errors.length > 0, 'an error event');
    expect(c.state).toBe('connecting');
    expect(errors[0]!.code).toBe('bad_response');
    expect(errors[0]!.message).toContain('GET /api/session');
    expect(errors[0]!.message).toContain('must forward /api');
    // Retries go on (the proxy may be fixed); the same cause is reported once, not every round.
    await waitFor(() => c.reconnectAttempts >= 3, 'three retries');
    expect(errors).toHaveLength(1);
  });
});
