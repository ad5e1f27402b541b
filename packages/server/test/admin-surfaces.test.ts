import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Authenticator } from '../src/index.js';
import { api, perTest, type startHub } from './helpers/hub-fixture.js';
import { SseTestClient } from './helpers/sse-client.js';
import { TestClient } from './helpers/ws-client.js';

const SECRET = 'admin-surfaces-secret-admin-surfaces!';
const key = new TextEncoder().encode(SECRET);
async function token(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(key);
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

const { hub, defer } = perTest();
const authHub = (extra: Parameters<typeof startHub>[0] = {}) => hub({ auth: { secret: SECRET }, ...extra });

/** A WS client's reply to `subscribe` on `channel`: `subscribed` or `error`. */
async function subscribeReply(c: TestClient, channel: string, id: number): Promise<Record<string, unknown>> {
  const from = c.messages.length;
  c.send({ type: 'subscribe', id, channel });
  return c.waitFor((m) => (m.type === 'subscribed' || m.type === 'error') && m.id === id, { from });
}

describe('admin surfaces on a hub with auth', () => {
  it("refuses the '*' tap over WebSocket to a non-admin, keeps the connection, and lets an admin subscribe", async () => {
    const h = await authHub();
    const bob = await TestClient.connect(h.url, { query: `token=${await token('bob', { role: 'user' })}` });
    defer(() => bob.close());
    const refused = await subscribeReply(bob, '*', 1);
    expect(refused).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(String(refused.message)).toMatch(/'\*' tap requires an admin/);
    // The connection stays: a normal channel still works on it.
    expect(await subscribeReply(bob, 'agent', 2)).toMatchObject({ type: 'subscribed' });
    expect(bob.closeCode).toBeUndefined();

    const alice = await TestClient.connect(h.url, { query: `token=${await token('alice', { role: 'admin' })}` });
    defer(() => alice.close());
    await alice.subscribe('*');
    // The tap an admin holds really delivers.
    await api(h.url, 'POST', '/api/c/agent', { id: 'a1' }, bearer(await token('bob')));
    await alice.waitFor((m) => m.type === 'event' && m.channel === '*');
  });

  it("refuses the '*' tap over SSE to a non-admin and serves it to an admin", async () => {
    const h = await authHub();
    const bob = await SseTestClient.open(`${h.url}/api/events?channels=*&token=${await token('bob')}`);
    defer(() => bob.close());
    const err = await bob.waitFor((m) => m.type === 'error');
    expect(err).toMatchObject({ code: 'forbidden', id: '*' });
    expect(String(err.message)).toMatch(/requires an admin/);
    const alice = await SseTestClient.open(`${h.url}/api/events?channels=*&token=${await token('alice', { role: ['user', 'admin'] })}`);
    defer(() => alice.close());
    await alice.waitFor((m) => m.type === 'subscribed' && m.channel === '*');
  });

  it('answers 403 forbidden on /api/hub/clients and /api/hub/stats to a non-admin, 200 to an admin', async () => {
    const h = await authHub();
    const bob = bearer(await token('bob', { role: 'user' }));
    const admin = bearer(await token('alice', { role: 'admin' }));
    for (const path of ['/api/hub/clients', '/api/hub/stats']) {
      const refused = await api(h.url, 'GET', path, undefined, bob);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect(refused.body.error.message).toContain(path);
      expect((await api(h.url, 'GET', path, undefined, admin)).status).toBe(200);
    }
    // No token at all is still 401, before any admin check.
    expect((await api(h.url, 'GET', '/api/hub/clients')).status).toBe(401);
  });

  it("refuses publishing on 'system' to a non-admin (WS and HTTP); an admin backend may over HTTP; server code always may", async () => {
    const h = await authHub();
    const bobToken = await token('bob');
    const bob = await TestClient.connect(h.url, { query: `token=${bobToken}` });
    defer(() => bob.close());
    bob.send({ type: 'publish', id: 1, channel: 'system', event: 'notice', data: {} });
    expect(await bob.waitFor((m) => m.type === 'error' && m.id === 1)).toMatchObject({ code: 'forbidden' });
    const refused = await api(h.url, 'POST', '/api/publish', { channel: 'system', event: 'notice', data: { by: 'bob' } }, bearer(bobToken));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/Publishing on 'system' requires an admin/);
    // Other channels stay open to any authenticated user (no rules configured).
    expect((await api(h.url, 'POST', '/api/publish', { channel: 'room:1', event: 'hi', data: {} }, bearer(bobToken))).status).toBe(202);

    const ok = await api(
      h.url,
      'POST',
      '/api/publish',
      { channel: 'system', event: 'notice', data: { by: 'admin' } },
      bearer(await token('ops', { role: 'admin' })),
    );
    expect(ok.status).toBe(202);
    await h.broadcast('notice', { by: 'server' });
    await bob.waitFor((m) => m.type === 'event' && m.channel === 'system' && (m.data as { by?: string }).by === 'admin');
    await bob.waitFor((m) => m.type === 'event' && m.channel === 'system' && (m.data as { by?: string }).by === 'server');
    expect(bob.events('system').some((e) => e.data.by === 'bob')).toBe(false);
  });

  it('reads the configured claim and values, and an authenticator may grant admin directly', async () => {
    const h = await authHub({ authorization: { adminClaim: 'groups', adminValues: ['ops'] } });
    expect((await api(h.url, 'GET', '/api/hub/stats', undefined, bearer(await token('a', { role: 'admin' })))).status).toBe(403);
    expect((await api(h.url, 'GET', '/api/hub/stats', undefined, bearer(await token('b', { groups: ['dev', 'ops'] })))).status).toBe(200);
    expect((await api(h.url, 'GET', '/api/hub/stats', undefined, bearer(await token('c', { groups: 'ops' })))).status).toBe(200);

    // An anonymous peer let in by `required: false` is not an admin: auth is on.
    const lax = await authHub({ auth: { secret: SECRET, required: false } });
    expect((await api(lax.url, 'GET', '/api/hub/stats')).status).toBe(403);
    expect((await api(lax.url, 'GET', '/api/c/agent')).status).toBe(200);

    const custom: Authenticator = {
      authenticate: async (t) => (t === 'root' ? { sub: 'root', admin: true } : { sub: t ?? 'nobody' }),
    };
    const h2 = await hub({ authenticator: custom });
    expect((await api(h2.url, 'GET', '/api/hub/clients', undefined, bearer('root'))).status).toBe(200);
    expect((await api(h2.url, 'GET', '/api/hub/clients', undefined, bearer('bob'))).status).toBe(403);
  });
});

describe('admin surfaces on a hub without auth', () => {
  it("serves '*', /api/hub/* and HTTP publish on 'system' to anyone, as before", async () => {
    const h = await hub();
    const c = await TestClient.connect(h.url);
    defer(() => c.close());
    await c.subscribe('*');
    expect((await api(h.url, 'GET', '/api/hub/clients')).status).toBe(200);
    expect((await api(h.url, 'GET', '/api/hub/stats')).status).toBe(200);
    expect((await api(h.url, 'POST', '/api/publish', { channel: 'system', event: 'notice', data: {} })).status).toBe(202);
    const sse = await SseTestClient.open(`${h.url}/api/events?channels=*`);
    defer(() => sse.close());
    await sse.waitFor((m) => m.type === 'subscribed' && m.channel === '*');
  });
});
