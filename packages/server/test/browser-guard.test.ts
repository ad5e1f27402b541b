import { request } from 'node:http';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SUBPROTOCOL } from '@livehub/protocol';
import { perTest } from './helpers/hub-fixture.js';

const { hub } = perTest();

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host). An event stream is cut after its headers. */
function http(base: string, method: string, path: string, headers: Record<string, string>): Promise<RawReply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers, setHost: !('host' in headers) }, (res) => {
      const reply = { status: res.statusCode ?? 0, headers: res.headers, body: '' };
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        return resolve(reply);
      }
      res.setEncoding('utf8');
      res.on('data', (d: string) => (reply.body += d));
      res.on('end', () => resolve(reply));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens `/ws` with these headers: resolves 'open' or the HTTP status of the refused upgrade. */
function upgrade(base: string, headers: { origin?: string; host?: string }): Promise<'open' | number> {
  const ws = new WebSocket(base.replace('http', 'ws') + '/ws', SUBPROTOCOL, {
    ...(headers.origin ? { origin: headers.origin } : {}),
    ...(headers.host ? { headers: { host: headers.host } } : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    ws.once('error', (err) => reject(err));
  });
}

const EVIL = 'https://evil.example';
const APP = 'https://app.example.com';

describe('Origin checks (WebSocket, SSE, HTTP API)', () => {
  it('refuses a cross-origin WebSocket and SSE by default, before the handshake, and accepts no Origin and same-origin', async () => {
    const h = await hub();
    const host = new URL(h.url).host;
    expect(await upgrade(h.url, { origin: EVIL })).toBe(403);
    expect(await upgrade(h.url, { origin: 'null' })).toBe(403);
    expect(await upgrade(h.url, {})).toBe('open');
    expect(await upgrade(h.url, { origin: `http://${host}` })).toBe('open');

    const sse = await http(h.url, 'GET', '/api/events?channels=agent', { origin: EVIL });
    expect(sse.status).toBe(403);
    expect(JSON.parse(sse.body)).toMatchObject({ error: { code: 'origin_not_allowed' } });
    expect(sse.headers['access-control-allow-origin']).toBeUndefined();
    expect((await http(h.url, 'GET', '/api/events?channels=agent', {})).status).toBe(200);
    expect((await http(h.url, 'GET', '/api/events?channels=agent', { origin: `http://${host}` })).status).toBe(200);
  });

  it('accepts a WebSocket and SSE from an allowed origin, and still refuses others', async () => {
    const h = await hub({ browser: { allowedOrigins: [APP] } });
    expect(await upgrade(h.url, { origin: APP })).toBe('open');
    expect(await upgrade(h.url, { origin: EVIL })).toBe(403);
    const sse = await http(h.url, 'GET', '/api/events?channels=agent', { origin: APP });
    expect(sse.status).toBe(200);
    expect(sse.headers['access-control-allow-origin']).toBe(APP);
    expect(await upgrade((await hub({ browser: { allowedOrigins: ['*'] } })).url, { origin: EVIL })).toBe('open');
  });

  it('answers a CORS preflight for an allowed origin with the methods and headers the client uses; a refused origin gets 403 and no CORS headers', async () => {
    const h = await hub({ browser: { allowedOrigins: [APP] } });
    const pre = await http(h.url, 'OPTIONS', '/api/c/agent/a1', {
      origin: APP,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization, content-type, if-match, x-client-id',
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(APP);
    expect(String(pre.headers['access-control-allow-methods'])).toMatch(/PATCH/);
    for (const name of ['authorization', 'content-type', 'if-match', 'x-client-id']) {
      expect(String(pre.headers['access-control-allow-headers']).split(/,\s*/)).toContain(name);
    }
    expect(pre.headers['access-control-max-age']).toBe('600');

    const created = await new Promise<RawReply>((resolve, reject) => {
      const url = new URL('/api/c/agent', h.url);
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { origin: APP, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ id: 'a1' }));
    });
    expect(created.status).toBe(201);
    expect(created.headers['access-control-allow-origin']).toBe(APP);
    expect(String(created.headers['access-control-expose-headers']).split(/,\s*/)).toEqual(expect.arrayContaining(['x-livehub-seq', 'etag']));
    expect(created.headers.vary).toMatch(/Origin/);

    for (const method of ['OPTIONS', 'GET']) {
      const refused = await http(h.url, method, '/api/c/agent', { origin: EVIL, 'access-control-request-method': 'GET' });
      expect(refused.status).toBe(403);
      expect(Object.keys(refused.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('gives an allowed page its CORS headers on a 401 too, so the page can see it must log in', async () => {
    const h = await hub({ auth: { secret: 'x'.repeat(32) }, browser: { allowedOrigins: [APP] } });
    const res = await http(h.url, 'GET', '/api/c/agent', { origin: APP });
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });

  it('refuses an invalid allowedOrigins entry at start, naming it', async () => {
    await expect(hub({ browser: { allowedOrigins: ['https://app.example.com/path'] } })).rejects.toThrow(/browser\.allowedOrigins\.0: must be \* or an origin/);
  });
});

describe('Host allowlist (DNS rebinding)', () => {
  it('refuses a foreign Host on HTTP (421) and on the WebSocket upgrade, and accepts the default hosts', async () => {
    const h = await hub();
    const port = new URL(h.url).port;
    const foreign = await http(h.url, 'GET', '/api/c/agent', { host: `attacker.example:${port}` });
    expect(foreign.status).toBe(421);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: { code: 'host_not_allowed' } });
    // Same-origin with itself: the Host check comes first.
    expect((await http(h.url, 'GET', '/healthz', { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` })).status).toBe(421);
    expect((await http(h.url, 'GET', '/', { host: 'attacker.example' })).status).toBe(421);
    expect(await upgrade(h.url, { host: `attacker.example:${port}` })).toBe(421);
    expect((await http(h.url, 'GET', '/api/events?channels=agent', { host: `attacker.example:${port}` })).status).toBe(421);

    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST.:${port}`, `app.localhost:${port}`, `192.168.1.20:${port}`]) {
      expect((await http(h.url, 'GET', '/api/c/agent', { host })).status, host).toBe(200);
      expect(await upgrade(h.url, { host }), host).toBe('open');
    }
  });

  it('accepts configured names and subdomains of a configured .domain, and everything with *', async () => {
    const h = await hub({ browser: { allowedHosts: ['hub.internal', '.example.com'] } });
    for (const host of ['hub.internal', 'a.example.com', 'b.c.example.com']) expect((await http(h.url, 'GET', '/healthz', { host })).status, host).toBe(200);
    for (const host of ['example.com.evil', 'hub.internal.evil', 'xexample.com'])
      expect((await http(h.url, 'GET', '/healthz', { host })).status, host).toBe(421);
    const open = await hub({ browser: { allowedHosts: ['*'] } });
    expect((await http(open.url, 'GET', '/healthz', { host: 'attacker.example' })).status).toBe(200);
  });
});
