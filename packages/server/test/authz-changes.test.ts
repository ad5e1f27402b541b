import { describe, expect, it } from 'vitest';
import { OWNED_AGENTS, RULES, authzOptions, cast, recordEvents, type Actor } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';
import type { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const { hub, defer } = perTest();

/** Interleaved writes: alice's a1 (created, updated), bob's b1 (created, updated, deleted), alice's a2. */
async function history(alice: Actor, bob: Actor): Promise<void> {
  await alice.agent('a1');
  await bob.agent('b1');
  await alice.call('PATCH', '/api/c/agent/a1', { n: 1 });
  await bob.call('PATCH', '/api/c/agent/b1', { n: 1 });
  await bob.call('DELETE', '/api/c/agent/b1');
  await alice.agent('a2');
}
const ALICES = ['agent.created:a1', 'agent.updated:a1', 'agent.created:a2'];

/** Every page of `/api/changes` from `since`, as the reader sees it. */
async function allChanges(a: Actor, query: string): Promise<{ events: string[]; pages: number }> {
  const events: string[] = [];
  let since = 0;
  let pages = 0;
  for (;;) {
    const res = await a.call('GET', `/api/changes?since=${since}&${query}`);
    expect(res.status).toBe(200);
    events.push(...recordEvents(res.body.changes));
    pages++;
    since = res.body.seq;
    if (!res.body.more) return { events, pages };
  }
}

async function syncAll(c: TestClient, limit: number): Promise<string[]> {
  const events: string[] = [];
  let since = 0;
  for (let id = 1; ; id++) {
    const from = c.messages.length;
    c.send({ type: 'sync_request', id, since, limit });
    const page = await c.waitFor((m) => m.type === 'sync_response' && m.id === id, { from });
    events.push(...recordEvents(page.changes as never));
    since = Number(page.seq);
    if (!page.more) return events;
  }
}

describe('the change log under per-owner rules', () => {
  it("sync_request pages show the reader only its own changes, across pages of mostly another's", async () => {
    const h = await hub(authzOptions());
    const { alice, bob } = await cast(h.url, defer);
    await history(alice, bob);
    expect(await syncAll(await alice.ws(), 1)).toEqual(ALICES);
    expect(await syncAll(await bob.ws(), 2)).toEqual(['agent.created:b1', 'agent.updated:b1', 'agent.deleted:b1']);
  });

  it('GET /api/changes shows only own changes, with and without channels, paged or not', async () => {
    const h = await hub(authzOptions());
    const { alice, bob, admin } = await cast(h.url, defer);
    await history(alice, bob);
    expect((await allChanges(alice, 'limit=1000')).events).toEqual(ALICES);
    expect((await allChanges(alice, 'channels=agent')).events).toEqual(ALICES);
    const paged = await allChanges(alice, 'channels=agent&limit=1');
    expect(paged.events).toEqual(ALICES);
    expect(paged.pages).toBeGreaterThan(3);
    expect((await allChanges(alice, 'channels=agent:b1')).events).toEqual([]);
    expect((await allChanges(alice, 'channels=agent:b1,agent:a2')).events).toEqual(['agent.created:a2']);
    expect((await allChanges(admin, 'channels=agent')).events).toHaveLength(6);
  });

  it("a long-poll is not woken by another's change: it answers with the reader's next own change", async () => {
    const h = await hub(authzOptions());
    const { alice, bob } = await cast(h.url, defer);
    await alice.agent('a0');
    const start = (await alice.call('GET', '/api/changes?since=0')).body.seq as number;
    // Counts the polls waiting, so bob writes only once alice's is.
    let waits = 0;
    const wait = h.hub.waitForChange.bind(h.hub);
    h.hub.waitForChange = (...args) => (waits++, wait(...args));
    const poll = alice.call('GET', `/api/changes?since=${start}&channels=agent&wait=20`);
    await waitFor(() => waits === 1, 'the long-poll to wait');
    await bob.agent('b1');
    await bob.call('PATCH', '/api/c/agent/b1', { n: 1 });
    await waitFor(() => waits >= 2, "the poll to have read bob's change and waited again");
    await alice.agent('a1');
    const res = await poll;
    expect(res.status).toBe(200);
    expect(recordEvents(res.body.changes)).toEqual(['agent.created:a1']);
    expect(res.body.seq).toBe(start + 3);
  });

  it('a long-poll that times out after only hidden changes answers empty, positioned after them', async () => {
    const h = await hub(authzOptions());
    const { alice, bob } = await cast(h.url, defer);
    const start = (await alice.call('GET', '/api/changes')).body.seq as number;
    let waits = 0;
    const wait = h.hub.waitForChange.bind(h.hub);
    h.hub.waitForChange = (...args) => (waits++, wait(...args));
    const poll = alice.call('GET', `/api/changes?since=${start}&wait=1`);
    await waitFor(() => waits === 1, 'the long-poll to wait');
    await bob.agent('b1');
    const res = await poll;
    expect(res.body).toMatchObject({ changes: [], more: false, seq: start + 1 });
  });
});

describe('the change log with a collection the reader may not read (defaultPolicy deny)', () => {
  const denyRules = { ...RULES, defaultPolicy: 'deny' as const, collections: { agent: OWNED_AGENTS } };

  it('naming it in channels is 403 on /api/changes and its long-poll; without channels it is skipped', async () => {
    const h = await hub(authzOptions(denyRules));
    const { alice, admin } = await cast(h.url, defer);
    await alice.agent('a1');
    expect((await admin.call('POST', '/api/c/secret', { id: 's1' })).status).toBe(201);
    for (const q of ['channels=secret', 'channels=agent,secret', 'channels=secret:s1', 'channels=secret&wait=5']) {
      const res = await alice.call('GET', `/api/changes?since=0&${q}`);
      expect(res.status, q).toBe(403);
      expect(res.body.error.code, q).toBe('forbidden');
    }
    expect((await allChanges(alice, '')).events).toEqual(['agent.created:a1']);
    expect((await allChanges(admin, '')).events).toEqual(['agent.created:a1', 'secret.created:s1']);
  });

  it('sync_request skips it; subscribing to it is forbidden over WS and SSE', async () => {
    const h = await hub(authzOptions(denyRules));
    const { alice, admin } = await cast(h.url, defer);
    expect((await admin.call('POST', '/api/c/secret', { id: 's1' })).status).toBe(201);
    await alice.agent('a1');
    const a = await alice.ws();
    expect(await syncAll(a, 1)).toEqual(['agent.created:a1']);
    for (const [id, channel] of [
      [1, 'secret'],
      [2, 'secret:s1'],
    ] as const) {
      a.send({ type: 'subscribe', id, channel, snapshot: true });
      expect(await a.waitFor((m) => m.type === 'error' && m.id === id)).toMatchObject({ code: 'forbidden' });
    }
    const s = await alice.sse('channels=secret,agent&snapshot=1');
    expect(await s.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'forbidden', id: 'secret' });
    const sub = await s.waitFor((m) => m.type === 'subscribed' && m.channel === 'agent');
    expect((sub.snapshot as Array<{ id: string }>).map((r) => r.id)).toEqual(['a1']);
  });
});
