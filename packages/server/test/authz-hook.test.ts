import { describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/authz/rules.js';
import { RULES, authzOptions, cast, token, type Actor } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';

const { hub, defer } = perTest();

type Hook = (req: AuthorizeRequest) => boolean | Promise<boolean>;

/** A hub whose hook answers for alice with `forAlice` and allows everyone else; every call is recorded. */
async function hooked(forAlice: Hook, more: { authorizeCacheMs?: number; authorizeTimeoutMs?: number } = {}) {
  const calls: AuthorizeRequest[] = [];
  const authorize: Hook = (req) => {
    calls.push(req);
    return req.principal.sub === 'alice' ? forAlice(req) : true;
  };
  const h = await hub(authzOptions({ ...RULES, authorize, authorizeCacheMs: 0, ...more }));
  return { h, calls, ...(await cast(h.url, defer)) };
}

/** Alice's attempts on each path; each must be refused 403 / forbidden. */
async function expectAliceRefused(alice: Actor): Promise<void> {
  for (const [method, path, body] of [
    ['GET', '/api/c/agent', undefined],
    ['POST', '/api/c/agent', { id: 'a1' }],
    ['GET', '/api/changes?channels=agent', undefined],
    ['POST', '/api/publish', { channel: 'session:alice:x', event: 'e', data: {} }],
  ] as const) {
    const res = await alice.call(method, path, body);
    expect(res.status, `${method} ${path}`).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  }
  const a = await alice.ws();
  for (const [id, frame] of [
    [1, { type: 'subscribe', channel: 'agent' }],
    [2, { type: 'subscribe', channel: 'session:alice:x' }],
    [3, { type: 'publish', channel: 'session:alice:x', event: 'e', data: {} }],
  ] as const) {
    a.send({ ...frame, id });
    expect(await a.waitFor((m) => (m.type === 'error' || m.type === 'subscribed' || m.type === 'ack') && m.id === id)).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
  }
  expect(a.closeCode).toBeUndefined();
}

/** Bob's stream keeps flowing: a write of his before and after alice's refusals both arrive. */
async function bobStreams(bob: Actor, during: () => Promise<void>): Promise<void> {
  const b = await bob.ws();
  await b.subscribe('agent');
  await bob.agent('b1');
  await b.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'b1');
  await during();
  await bob.agent('b2');
  await b.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'b2');
  expect(b.events('agent').map((e) => e.data.id)).toEqual(['b1', 'b2']);
}

describe('a failing authorize hook denies, and disturbs nobody else', () => {
  const failures: Array<[string, Hook, { authorizeTimeoutMs?: number }]> = [
    [
      'throws',
      () => {
        throw new Error('hook bug');
      },
      {},
    ],
    ['rejects', () => Promise.reject(new Error('hook down')), {}],
    // Never settles: only the timeout answers (kept short; the default is 2 s).
    ['times out', () => new Promise<boolean>(() => undefined), { authorizeTimeoutMs: 50 }],
    ['answers no boolean', () => 'yes' as unknown as boolean, {}],
    ['answers false', () => false, {}],
  ];
  for (const [what, forAlice, more] of failures) {
    it(`a hook that ${what} is 403 / forbidden for alice on every path; bob's stream flows on`, async () => {
      const { alice, bob } = await hooked(forAlice, more);
      await bobStreams(bob, () => expectAliceRefused(alice));
    });
  }
});

describe('when the hook is asked', () => {
  it('once per request or subscribe, never per live event, and never for an admin', async () => {
    const { calls, alice, admin } = await hooked(() => true);
    const a = await alice.ws();
    await a.subscribe('agent');
    const subscribeCalls = calls.length;
    expect(calls.map((c) => [c.action, c.channel])).toEqual([['subscribe', 'agent']]);
    for (let i = 0; i < 5; i++) await admin.call('POST', '/api/c/agent', { id: `a${i}`, owner: 'alice' });
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a4');
    expect(calls).toHaveLength(subscribeCalls);
    await admin.call('GET', '/api/c/agent');
    const adminWs = await admin.ws();
    await adminWs.subscribe('*');
    expect(calls).toHaveLength(subscribeCalls);
    await alice.call('PATCH', '/api/c/agent/a1', { n: 1 });
    expect(calls.slice(subscribeCalls).map((c) => [c.action, c.collection, c.id])).toEqual([['update', 'agent', 'a1']]);
  });

  it('answers are cached per principal, action and target for authorizeCacheMs; only booleans are', async () => {
    let throwNext = true;
    const { calls, alice, bob } = await hooked(
      () => {
        if (throwNext) {
          throwNext = false;
          throw new Error('flaky');
        }
        return true;
      },
      { authorizeCacheMs: 60_000 },
    );
    // The throw is not cached: the next ask goes to the hook again and is allowed.
    expect((await alice.call('GET', '/api/c/agent')).status).toBe(403);
    expect((await alice.call('GET', '/api/c/agent')).status).toBe(200);
    expect((await alice.call('GET', '/api/c/agent')).status).toBe(200);
    const reads = () => calls.filter((c) => c.action === 'read' && c.id === undefined);
    expect(reads().map((c) => c.principal.sub)).toEqual(['alice', 'alice']);
    // Another target, another principal: asked again.
    await alice.call('GET', '/api/c/agent/zz');
    await bob.call('GET', '/api/c/agent');
    await bob.call('GET', '/api/c/agent');
    expect(reads().map((c) => c.principal.sub)).toEqual(['alice', 'alice', 'bob']);
    expect(calls.filter((c) => c.id === 'zz')).toHaveLength(1);
  });

  it('with authorizeCacheMs 0 every request asks', async () => {
    const { calls, alice } = await hooked(() => true);
    for (let i = 0; i < 3; i++) await alice.call('GET', '/api/c/agent');
    expect(calls.filter((c) => c.action === 'read')).toHaveLength(3);
  });

  it('a false answer is cached too: alice stays refused until it expires', async () => {
    let allow = false;
    const { calls, alice } = await hooked(() => allow, { authorizeCacheMs: 60_000 });
    expect((await alice.call('GET', '/api/c/agent')).status).toBe(403);
    allow = true;
    expect((await alice.call('GET', '/api/c/agent')).status).toBe(403);
    expect(calls).toHaveLength(1);
  });

  it('a subscribe the hook is still judging when the token is refreshed is judged again under the new claims', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rules = { ...RULES, channels: { 'team:{claims.team}:*': { subscribe: true } } };
    const authorize: Hook = async (req) => {
      if (req.action === 'subscribe' && req.channel === 'team:red:chat' && req.principal.claims?.team === 'red') await gate;
      return true;
    };
    const h = await hub(authzOptions({ ...rules, authorize, authorizeCacheMs: 0 }));
    const a = await TestClient.connect(h.url, { query: `token=${await token('alice', { team: 'red' })}` });
    defer(() => a.close());
    a.send({ type: 'subscribe', id: 1, channel: 'team:red:chat' });
    // Alice leaves team red while the hook is asked about her subscribe.
    a.send({ type: 'auth', token: await token('alice', { team: 'blue' }) });
    await a.waitFor((m) => m.type === 'authed');
    release();
    expect(await a.waitFor((m) => (m.type === 'subscribed' || m.type === 'error') && m.id === 1)).toMatchObject({ type: 'error', code: 'forbidden' });
    await h.publish('team:red:chat', 'said', {});
    a.send({ type: 'ping', id: 2 });
    await a.waitFor((m) => m.type === 'pong');
    expect(a.events('team:red:chat')).toEqual([]);
  });
});
