import { SignJWT } from 'jose';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '@livehub/protocol';
import { createJwtAuthenticator } from '../src/index.js';
import { api, perTest, type startHub } from './helpers/hub-fixture.js';
import { SseTestClient } from './helpers/sse-client.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { wsText } from '../../../test/helpers/ws-text.js';

const SECRET = 'test-secret-test-secret-test-secret!';
const key = new TextEncoder().encode(SECRET);
async function token(sub: string, expInS = 3600, secret = key): Promise<string> {
  return new SignJWT({ role: 'tester' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expInS)
    .sign(secret);
}

const { hub, defer } = perTest();
const authHub = (extra: Parameters<typeof startHub>[0] = {}) => hub({ auth: { secret: SECRET }, authTimeoutMs: 300, ...extra });

/** Opens a raw socket and collects what arrives until it closes. */
async function raw(url: string): Promise<{ ws: WebSocket; got: Array<Record<string, unknown>>; closed: Promise<number> }> {
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
  const got: Array<Record<string, unknown>> = [];
  ws.on('message', (d) => got.push(...[JSON.parse(wsText(d))].flat()));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, got, closed };
}

describe('JWT authenticator', () => {
  it('accepts a valid token, refuses expired, forged and missing ones', async () => {
    const auth = createJwtAuthenticator({ secret: SECRET });
    const p = await auth.authenticate(await token('alice'));
    expect(p.sub).toBe('alice');
    expect(p.exp).toBeGreaterThan(Date.now() / 1000);
    expect(p.claims?.role).toBe('tester');
    await expect(auth.authenticate(await token('alice', -10))).rejects.toMatchObject({ code: 'unauthenticated', message: 'Token expired' });
    await expect(auth.authenticate(await token('mallory', 60, new TextEncoder().encode('x'.repeat(40))))).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(auth.authenticate(undefined)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect((await createJwtAuthenticator({ secret: SECRET, required: false }).authenticate(undefined)).sub).toBe('anonymous');
    expect(() => createJwtAuthenticator({ secret: 'short' })).toThrow(/32/);
  });
});

describe('a hub with auth', () => {
  it('guards the HTTP API and SSE with the same tokens', async () => {
    const hub = await authHub();
    expect((await api(hub.url, 'GET', '/api/c/agent')).status).toBe(401);
    expect((await api(hub.url, 'GET', '/api/c/agent', undefined, { authorization: 'Bearer nope' })).body.error.code).toBe('unauthenticated');
    expect((await api(hub.url, 'GET', '/api/c/agent', undefined, { authorization: `Bearer ${await token('bob')}` })).status).toBe(200);
    expect((await api(hub.url, 'GET', '/healthz')).status).toBe(200);
    // Escaped paths route to the same handlers, so they must meet the same guard.
    expect((await api(hub.url, 'GET', '/%61pi/c/agent')).status).toBe(401);
    expect((await api(hub.url, 'POST', '/%61pi/c/agent', { x: 1 })).status).toBe(401);
    // A token in the query is a credential, not a list filter.
    const t = await token('bob');
    await api(hub.url, 'POST', '/api/c/agent', { id: 'listed' }, { authorization: `Bearer ${t}` });
    const listed = await api(hub.url, 'GET', `/api/c/agent?token=${t}&clientId=x`);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual(['listed']);
    const refused = await SseTestClient.open(`${hub.url}/api/events?channels=agent`);
    expect(refused.status).toBe(401);
    const sse = await SseTestClient.open(`${hub.url}/api/events?channels=agent&token=${await token('carol')}`);
    defer(() => sse.close());
    await sse.waitFor((m) => m.type === 'subscribed');
  });

  it('accepts a WebSocket with a token on the upgrade, or with auth as its first message', async () => {
    const hub = await authHub();
    const withQuery = await TestClient.connect(hub.url, { query: `token=${await token('dave')}` });
    withQuery.close();
    const late = await raw(hub.url);
    late.ws.send(JSON.stringify({ type: 'auth', token: await token('erin') }));
    late.ws.send(JSON.stringify({ type: 'ping', id: 1 }));
    await waitFor(() => late.got.length >= 2, 'welcome and pong', 1000).catch(() => undefined);
    expect(late.got.map((m) => m.type)).toEqual(['welcome', 'pong']);
    late.ws.close();
  });

  it('closes 4401 when no auth comes in time, when the first message is not auth, or the token is bad', async () => {
    const hub = await authHub();
    const silent = await raw(hub.url);
    expect(await silent.closed).toBe(CloseCode.Unauthenticated);
    const wrongFirst = await raw(hub.url);
    wrongFirst.ws.send(JSON.stringify({ type: 'subscribe', id: 1, channel: 'agent' }));
    expect(await wrongFirst.closed).toBe(CloseCode.Unauthenticated);
    expect(wrongFirst.got).toEqual([]);
    await expect(TestClient.connect(hub.url, { query: 'token=garbage' })).rejects.toThrow(/4401/);
  });

  it('refuses a refresh token for another subject, keeping the session', async () => {
    const hub = await authHub();
    const c = await TestClient.connect(hub.url, { query: `token=${await token('henry')}` });
    c.send({ type: 'auth', token: await token('mallory') });
    const err = await c.waitFor((m) => m.type === 'error');
    expect(err.code).toBe('forbidden');
    c.send({ type: 'ping', id: 'alive' });
    await c.waitFor((m) => m.type === 'pong');
    c.close();
  });

  it('closes 4401 at token expiry, unless a fresh token arrived with auth first', async () => {
    const hub = await authHub();
    const expiring = await TestClient.connect(hub.url, { query: `token=${await token('frank', 1)}` });
    const refreshed = await TestClient.connect(hub.url, { query: `token=${await token('grace', 1)}` });
    refreshed.send({ type: 'auth', token: await token('grace', 60) });
    await refreshed.waitFor((m) => m.type === 'authed');
    expect(await expiring.closed(5000)).toBe(CloseCode.Unauthenticated);
    expect(expiring.closeReason).toBe('token expired');
    // The refreshed one outlives the first token's expiry.
    refreshed.send({ type: 'ping', id: 'still' });
    await refreshed.waitFor((m) => m.type === 'pong' && m.id === 'still');
    expect(refreshed.closeCode).toBeUndefined();
    refreshed.close();
  });

  it('takes an auth frame that arrived while the authenticator was still refusing the missing token', async () => {
    // Set once the hub's socket has read data after the upgrade: the auth frame (`ws` has handled it by then).
    let frameArrived: Promise<void> = Promise.resolve();
    const slowNo = {
      async authenticate(t: string | undefined) {
        // Refuses the missing token only once the auth frame has reached the hub, so it waits in the queue.
        if (t === undefined) await frameArrived;
        if (t === 'ok') return { sub: 'late' };
        throw new (await import('../src/index.js')).HubError('unauthenticated');
      },
    };
    const h = await hub({ authenticator: slowNo, authTimeoutMs: 1000 });
    frameArrived = new Promise((resolve) => h.app.server.once('upgrade', (_req, socket: Duplex) => socket.once('data', () => resolve())));
    const r = await raw(h.url);
    r.ws.send(JSON.stringify({ type: 'auth', token: 'ok' }));
    await waitFor(() => r.got.length >= 1, 'a first message', 1000).catch(() => undefined);
    expect(r.got[0]?.type).toBe('welcome');
    r.ws.close();
  });
});
