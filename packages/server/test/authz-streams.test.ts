import { createClient } from '@livehub/client';
import { describe, expect, it } from 'vitest';
import { authzOptions, cast, recordEvents, type Actor } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';
import type { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const { hub, defer } = perTest();

async function setup(extra: Parameters<typeof authzOptions>[1] = {}) {
  const h = await hub(authzOptions(undefined, extra));
  return { h, ...(await cast(h.url, defer)) };
}

/** Bob creates, updates and deletes one agent and creates another: none of it is alice's to see. */
async function bobsBusiness(bob: Actor, tag: string): Promise<void> {
  await bob.agent(`${tag}1`, { secret: 'bob' });
  await bob.call('PATCH', `/api/c/agent/${tag}1`, { secret: 'still bob' });
  await bob.call('DELETE', `/api/c/agent/${tag}1`);
  await bob.agent(`${tag}2`, { secret: 'bob' });
}

const head = (c: TestClient) => Number(c.messages.find((m) => m.type === 'welcome')!.seq);

describe('live streams under per-owner rules', () => {
  it("a WS subscriber of the collection gets its own changes live, never the other's", async () => {
    const { alice, bob } = await setup();
    const a = await alice.ws();
    const b = await bob.ws();
    await a.subscribe('agent');
    await b.subscribe('agent');
    await bobsBusiness(bob, 'b');
    // The sentinel: alice's own write, fanned out after bob's on the same connection.
    await alice.agent('a1');
    await a.waitFor((m) => m.type === 'event' && m.event === 'agent.created' && (m.data as { id: string }).id === 'a1');
    expect(recordEvents(a.events())).toEqual(['agent.created:a1']);
    await b.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'b2');
    expect(recordEvents(b.events())).toEqual(['agent.created:b1', 'agent.updated:b1', 'agent.deleted:b1', 'agent.created:b2']);
    expect(JSON.stringify(a.messages)).not.toContain('"secret"');
  });

  it("a subscriber of the other's record channel is told nothing of it: no snapshot, no events", async () => {
    const { alice, bob } = await setup();
    await bob.agent('b1');
    const a = await alice.ws();
    const reply = await a.subscribe('agent:b1', { snapshot: true });
    expect(reply.snapshot).toEqual([]);
    await a.subscribe('agent');
    await bob.call('PATCH', '/api/c/agent/b1', { n: 1 });
    await bob.call('DELETE', '/api/c/agent/b1');
    await alice.agent('a1');
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a1');
    expect(recordEvents(a.events())).toEqual(['agent.created:a1']);
  });

  it('an SSE subscriber gets its own changes only, and a channel it may not join is an error on its stream', async () => {
    const { alice, bob } = await setup();
    const a = await alice.sse('channels=agent,session:bob:x,session:alice:x');
    await a.waitFor((m) => m.type === 'subscribed' && m.channel === 'agent');
    expect(await a.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'forbidden', id: 'session:bob:x' });
    await a.waitFor((m) => m.type === 'subscribed' && m.channel === 'session:alice:x');
    await bobsBusiness(bob, 'b');
    await alice.agent('a1');
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a1');
    expect(recordEvents(a.events())).toEqual(['agent.created:a1']);
  });
});

describe('snapshot and replay under per-owner rules', () => {
  it('a snapshot holds only the reader’s records, over WS and SSE', async () => {
    const { alice, bob } = await setup();
    for (const id of ['a1', 'a2']) await alice.agent(id);
    for (const id of ['b1', 'b2', 'b3']) await bob.agent(id);
    const a = await alice.ws();
    const snap = await a.subscribe('agent', { snapshot: true });
    expect((snap.snapshot as Array<{ id: string }>).map((r) => r.id)).toEqual(['a1', 'a2']);
    const s = await bob.sse('channels=agent&snapshot=1');
    const sub = await s.waitFor((m) => m.type === 'subscribed' && m.channel === 'agent');
    expect((sub.snapshot as Array<{ id: string }>).map((r) => r.id)).toEqual(['b1', 'b2', 'b3']);
  });

  it('a replay sends only the reader’s changes, in pages, and its replayed count is what it sends', async () => {
    // A page size of 2 makes both the count and the replay read several pages of mostly bob's changes.
    const { alice, bob } = await setup({ replayPageSize: 2 });
    const a = await alice.ws();
    const since = head(a);
    await alice.agent('a1');
    await bobsBusiness(bob, 'b');
    await alice.call('PATCH', '/api/c/agent/a1', { n: 1 });
    await bobsBusiness(bob, 'c');
    await alice.agent('a2');
    const reply = await a.subscribe('agent', { since, epoch: String(a.messages[0]!.epoch) });
    expect(reply.replayed).toBe(3);
    // The sentinel: a live change after the replay target.
    await alice.call('DELETE', '/api/c/agent/a2');
    await a.waitFor((m) => m.type === 'event' && m.event === 'agent.deleted');
    const replayed = a.events('agent').filter((e) => e.seq! <= Number(reply.seq));
    expect(replayed).toHaveLength(Number(reply.replayed));
    expect(recordEvents(a.events('agent'))).toEqual(['agent.created:a1', 'agent.updated:a1', 'agent.created:a2', 'agent.deleted:a2']);
  });

  it('a replay of only the other’s changes counts 0 and goes live at once', async () => {
    const { alice, bob } = await setup({ replayPageSize: 3 });
    const a = await alice.ws();
    const since = head(a);
    await bobsBusiness(bob, 'b');
    await bobsBusiness(bob, 'c');
    const reply = await a.subscribe('agent', { since });
    expect(reply).toMatchObject({ replayed: 0, seq: since + 8 });
    await alice.agent('a1');
    await a.waitFor((m) => m.type === 'event' && m.event === 'agent.created');
    expect(recordEvents(a.events())).toEqual(['agent.created:a1']);
  });

  it('an SSE resume from a position replays only the reader’s changes', async () => {
    const { alice, bob } = await setup();
    const probe = await alice.ws();
    const since = head(probe);
    await bobsBusiness(bob, 'b');
    await alice.agent('a1');
    const s = await alice.sse(`channels=agent@${since}`);
    const sub = await s.waitFor((m) => m.type === 'subscribed');
    expect(sub.replayed).toBe(1);
    await s.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a1');
    await bob.agent('b9');
    await alice.agent('a2');
    await s.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a2');
    expect(recordEvents(s.events())).toEqual(['agent.created:a1', 'agent.created:a2']);
  });

  it('the client SDK resumes a subscription under rules to completion: replaying reaches 0 at the replay target', async () => {
    const { h, alice, bob } = await setup({ replayPageSize: 2 });
    const first = createClient({ url: h.url, token: alice.token });
    defer(() => first.close());
    const sub1 = first.subscribe('agent');
    await sub1.ready;
    await alice.agent('a1');
    await waitFor(() => sub1.position !== undefined && sub1.position > 0, 'the first live event');
    const position = sub1.position!;
    const epoch = sub1.epoch!;
    first.close();

    await bobsBusiness(bob, 'b');
    await alice.call('PATCH', '/api/c/agent/a1', { n: 1 });
    await bobsBusiness(bob, 'c');
    const target = (await alice.call('GET', '/api/c/agent')).body.seq as number;

    const second = createClient({ url: h.url, token: alice.token });
    defer(() => second.close());
    const subscribed: Array<Record<string, unknown>> = [];
    second.on('message', (m) => m.type === 'subscribed' && subscribed.push(m as never));
    const seen: string[] = [];
    const sub2 = second.subscribe('agent', { since: position, epoch, onEvent: (e) => seen.push(`${e.event}:${(e.data as { id: string }).id}`) });
    await sub2.ready;
    await waitFor(
      () => sub2.replaying === 0 && sub2.position === target,
      () => `the replay to finish at ${target} (at ${sub2.position}, ${sub2.replaying} left)`,
    );
    expect(subscribed[0]).toMatchObject({ replayed: 1, seq: target });
    expect(seen).toEqual(['agent.updated:a1']);
    await alice.agent('a2');
    await waitFor(() => seen.length === 2, 'the live event after the resume');
    expect(seen[1]).toBe('agent.created:a2');
  });
});
