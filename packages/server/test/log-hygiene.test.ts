import { join } from 'node:path';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SUBPROTOCOL } from '@livehub/protocol';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { SseTestClient } from './helpers/sse-client.js';
import { killIfRunning, spawnHub } from './helpers/spawn-hub.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { wsText } from '../../../test/helpers/ws-text.js';

const SECRET = 'log-hygiene-secret-log-hygiene-secret';

function mint(sub: string, secret = SECRET): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
}

/** A raw WebSocket that resolves once it is welcomed (or closed), recording what it got. */
async function ws(url: string, opts: { query?: string; headers?: Record<string, string>; first?: unknown } = {}) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${opts.query ? `?${opts.query}` : ''}`, SUBPROTOCOL, { headers: opts.headers ?? {} });
  const messages: Array<Record<string, unknown>> = [];
  let closed: number | undefined;
  socket.on('message', (d) => {
    const parsed = JSON.parse(wsText(d)) as Record<string, unknown> | Array<Record<string, unknown>>;
    messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  });
  socket.on('close', (code) => (closed = code));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.on('open', () => resolve()));
  if (opts.first !== undefined) socket.send(JSON.stringify(opts.first));
  await waitFor(() => closed !== undefined || messages.some((m) => m.type === 'welcome'), 'welcome or close');
  return { socket, messages, closed: () => closed };
}

describe('logs', () => {
  const { defer } = perTest();

  it('hold no token, sent by header, query or auth frame, and tie each line to its request id', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const hub = await spawnHub(['--db', join(tmp.dir, 'hub.db'), '--log-level', 'trace', '--log-format', 'json'], { LIVEHUB_JWT_SECRET: SECRET });
    defer(() => killIfRunning(hub));
    const tokens = {
      httpHeader: await mint('h-header'),
      httpQuery: await mint('h-query'),
      sse: await mint('h-sse'),
      wsHeader: await mint('w-header'),
      wsQuery: await mint('w-query'),
      authFrame: await mint('w-frame'),
      refresh: await mint('w-frame'),
      forged: await mint('forger', 'not-the-secret-not-the-secret-not-the-secret'),
      opaque: 'opaque-credential-7f3a9c',
    };

    const byHeader = await api(hub.url, 'GET', '/api/c/doc', undefined, { authorization: `Bearer ${tokens.httpHeader}`, 'x-request-id': 'trace-http-1' });
    expect(byHeader.status).toBe(200);
    expect(byHeader.headers.get('x-request-id')).toBe('trace-http-1');
    expect((await api(hub.url, 'GET', `/api/c/doc?limit=5&token=${tokens.httpQuery}`)).status).toBe(200);
    expect((await api(hub.url, 'GET', `/api/c/doc?token=${tokens.forged}`)).status).toBe(401);
    expect((await api(hub.url, 'GET', '/api/c/doc', undefined, { authorization: `Bearer ${tokens.opaque}` })).status).toBe(401);
    const sse = await SseTestClient.open(`${hub.url}/api/events?channels=doc&token=${tokens.sse}`);
    await sse.waitFor((m) => m.type === 'welcome');
    sse.close();

    const header = await ws(hub.url, { headers: { authorization: `Bearer ${tokens.wsHeader}`, 'x-request-id': 'trace-ws-1' } });
    const query = await ws(hub.url, { query: `token=${tokens.wsQuery}` });
    const frame = await ws(hub.url, { first: { type: 'auth', token: tokens.authFrame } });
    frame.socket.send(JSON.stringify({ type: 'auth', token: tokens.refresh }));
    await waitFor(() => frame.messages.some((m) => m.type === 'authed'), 'the refresh to be answered');
    const forgedFrame = await ws(hub.url, { first: { type: 'auth', token: tokens.forged } });
    expect(forgedFrame.closed()).toBe(4401);
    const forgedQuery = await ws(hub.url, { query: `token=${tokens.forged}` });
    expect(forgedQuery.closed()).toBe(4401);
    for (const c of [header, query, frame]) {
      expect(c.messages[0]).toMatchObject({ type: 'welcome' });
      c.socket.close();
    }
    // Every line asserted on is written by then (pino writes synchronously); the hub need not shut down gracefully.
    await waitFor(() => (hub.output().match(/"client disconnected"/g) ?? []).length >= 4, 'the disconnect lines');
    await killIfRunning(hub);

    const out = hub.output();
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The lines that would carry them: a URL with ?token=, the refusals, the refresh.
    expect(lines.filter((l) => l.msg === 'request' && String(l.url).includes('token=[redacted]'))).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'sse stream opened' && String(l.url).includes('token=[redacted]'))).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'ws upgrade' && String(l.url).includes('token=[redacted]'))).toHaveLength(2);
    expect(lines.some((l) => l.msg === 'ws auth frame refused')).toBe(true);
    expect(lines.some((l) => l.msg === 'token refreshed' && l.sub === 'w-frame')).toBe(true);
    for (const [how, token] of Object.entries(tokens)) {
      for (const part of [token, ...token.split('.').filter((p) => p.length > 8)]) expect(out, `${how} token text in the logs`).not.toContain(part);
    }

    // One request id per request: the HTTP line, and every line of a WebSocket connection.
    expect(lines.find((l) => l.msg === 'request' && l.reqId === 'trace-http-1')).toMatchObject({ route: '/api/c/:collection', status: 200 });
    const wsLines = lines.filter((l) => l.reqId === 'trace-ws-1').map((l) => l.msg);
    expect(wsLines).toEqual(['ws upgrade', 'client connected', 'client disconnected']);
    const connected = lines.filter((l) => l.msg === 'client connected');
    expect(connected).toHaveLength(4);
    for (const c of connected) {
      expect(c.reqId).toMatch(/\S/);
      expect(lines.filter((l) => l.reqId === c.reqId && l.msg === 'client disconnected')).toEqual([expect.objectContaining({ connId: c.connId })]);
    }
  });
});
