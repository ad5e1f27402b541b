import { describe, expect, it } from 'vitest';
import { RULES, authzOptions, cast } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';
import type { TestClient } from './helpers/ws-client.js';

const { hub, defer } = perTest();

/** The reply to one request frame: its `subscribed`/`ack` or its `error`. */
async function reply(c: TestClient, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
  const from = c.messages.length;
  c.send(frame);
  return c.waitFor((m) => ['subscribed', 'ack', 'error'].includes(m.type) && m.id === frame.id, { from });
}

const POLICIES = [
  ['allow', RULES],
  ['deny', { ...RULES, defaultPolicy: 'deny' as const }],
] as const;

describe.each(POLICIES)("another user's session channel (defaultPolicy %s)", (_policy, authorization) => {
  it('alice can neither join nor publish on session:bob:x, over WS or HTTP; her own session:alice:x works', async () => {
    const h = await hub(authzOptions(authorization));
    const { alice, bob } = await cast(h.url, defer);
    const a = await alice.ws();
    const b = await bob.ws();
    await b.subscribe('session:bob:x');

    const join = await reply(a, { type: 'subscribe', id: 1, channel: 'session:bob:x' });
    expect(join).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(String(join.message)).toContain("authorization.channels['session:{sub}:*']");
    expect(await reply(a, { type: 'publish', id: 2, channel: 'session:bob:x', event: 'spoof', data: { from: 'alice' } })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    const http = await alice.call('POST', '/api/publish', { channel: 'session:bob:x', event: 'spoof', data: { from: 'alice' } });
    expect(http.status).toBe(403);
    expect(http.body.error.code).toBe('forbidden');
    expect(await reply(a, { type: 'subscribe', id: 3, channel: 'session:alice:x' })).toMatchObject({ type: 'subscribed' });
    expect(await reply(a, { type: 'publish', id: 4, channel: 'session:alice:x', event: 'mine', data: {} })).toMatchObject({ type: 'ack' });
    await a.waitFor((m) => m.type === 'event' && m.event === 'mine');

    // The sentinel: bob's own publish reaches him after anything alice could have sent.
    expect((await bob.call('POST', '/api/publish', { channel: 'session:bob:x', event: 'own', data: {} })).status).toBe(202);
    await b.waitFor((m) => m.type === 'event' && m.event === 'own');
    expect(b.events('session:bob:x').map((e) => e.event)).toEqual(['own']);
  });

  it('alice cannot join session:bob:x over SSE', async () => {
    const h = await hub(authzOptions(authorization));
    const { alice } = await cast(h.url, defer);
    const s = await alice.sse('channels=session:bob:x,session:alice:x');
    expect(await s.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'forbidden', id: 'session:bob:x' });
    await s.waitFor((m) => m.type === 'subscribed' && m.channel === 'session:alice:x');
    expect(s.messages.some((m) => m.type === 'subscribed' && m.channel === 'session:bob:x')).toBe(false);
  });
});

describe('ephemeral events and admin surfaces under rules', () => {
  it("ephemeral events on bob's record channel do not reach alice (a predicate cannot judge an event)", async () => {
    const h = await hub(authzOptions());
    const { alice, bob, admin } = await cast(h.url, defer);
    await bob.agent('b1');
    const a = await alice.ws();
    await a.subscribe('agent:b1');
    await a.subscribe('agent');
    await a.subscribe('session:alice:x');
    const b = await bob.ws();
    expect(await reply(b, { type: 'publish', id: 1, channel: 'agent:b1', event: 'typing', data: { who: 'bob' } })).toMatchObject({ type: 'ack' });
    expect((await bob.call('POST', '/api/publish', { channel: 'agent:b1', event: 'typing', data: {} })).status).toBe(202);
    expect((await bob.call('POST', '/api/publish', { channel: 'agent', event: 'typing', data: {} })).status).toBe(202);
    expect((await admin.call('POST', '/api/publish', { channel: 'agent:b1', event: 'typing', data: {} })).status).toBe(202);
    await h.publish('agent:b1', 'typing', { from: 'server' });
    // The sentinel, published after all of the above.
    await h.publish('session:alice:x', 'done', {});
    await a.waitFor((m) => m.type === 'event' && m.event === 'done');
    expect(a.events().filter((e) => e.event === 'typing')).toEqual([]);
  });

  it("the '*' tap, /api/hub/* and publishing on system stay the admin's", async () => {
    const h = await hub(authzOptions());
    const { alice, admin } = await cast(h.url, defer);
    const a = await alice.ws();
    expect(await reply(a, { type: 'subscribe', id: 1, channel: '*' })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await reply(a, { type: 'publish', id: 2, channel: 'system', event: 'notice', data: {} })).toMatchObject({ type: 'error', code: 'forbidden' });
    const tap = await alice.sse('channels=*');
    expect(await tap.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'forbidden', id: '*' });
    for (const path of ['/api/hub/clients', '/api/hub/stats']) {
      expect((await alice.call('GET', path)).status, path).toBe(403);
      expect((await admin.call('GET', path)).status, path).toBe(200);
    }
    expect((await alice.call('POST', '/api/publish', { channel: 'system', event: 'notice', data: { by: 'alice' } })).status).toBe(403);
    // The sentinel: an admin's notice reaches alice, hers never did.
    expect((await admin.call('POST', '/api/publish', { channel: 'system', event: 'notice', data: { by: 'root' } })).status).toBe(202);
    await a.waitFor((m) => m.type === 'event' && m.channel === 'system');
    expect(a.events('system').map((e) => e.data.by)).toEqual(['root']);
    const adminWs = await admin.ws();
    await adminWs.subscribe('*');
  });

  it("alice cannot take bob's clientId (WS or SSE): she gets a fresh one and sendTo reaches bob only", async () => {
    const h = await hub(authzOptions());
    const { alice, bob } = await cast(h.url, defer);
    const b = await bob.ws({ clientId: 'bob-tab-1' });
    expect(b.messages[0]).toMatchObject({ type: 'welcome', clientId: 'bob-tab-1' });
    const a = await alice.ws({ clientId: 'bob-tab-1' });
    const aliceId = String(a.messages[0]!.clientId);
    expect(aliceId).not.toBe('bob-tab-1');
    const s = await alice.sse('channels=session:alice:x&clientId=bob-tab-1');
    const sseWelcome = await s.waitFor((m) => m.type === 'welcome');
    expect(sseWelcome.clientId).not.toBe('bob-tab-1');

    await h.sendTo('bob-tab-1', 'private', { for: 'bob' });
    await h.sendTo(aliceId, 'marker', {});
    await h.sendTo(String(sseWelcome.clientId), 'marker', {});
    await b.waitFor((m) => m.type === 'event' && m.event === 'private');
    await a.waitFor((m) => m.type === 'event' && m.event === 'marker');
    await s.waitFor((m) => m.type === 'event' && m.event === 'marker');
    expect(a.events().some((e) => e.event === 'private')).toBe(false);
    expect(s.events().some((e) => e.event === 'private')).toBe(false);
  });
});
