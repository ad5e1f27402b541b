import { describe, expect, it } from 'vitest';
import { authzOptions, cast, recordEvents } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';
import type { TestClient } from './helpers/ws-client.js';

const { hub, defer } = perTest();

type Ev = { event: string; data: { id: string; action: string; record?: { owner?: string; n?: number } } };
const agentEvents = (c: TestClient, channel = 'agent') => c.events(channel) as unknown as Ev[];
const onA1 = (event: string) => (m: Record<string, unknown>) => m.type === 'event' && m.event === event && (m.data as { id: string }).id === 'a1';

async function setup() {
  const h = await hub(authzOptions());
  const who = await cast(h.url, defer);
  await who.alice.agent('a1', { n: 0 });
  const a = await who.alice.ws();
  const b = await who.bob.ws();
  for (const c of [a, b]) {
    await c.subscribe('agent');
    await c.subscribe('agent:a1');
  }
  return { h, a, b, ...who };
}

describe('a record whose owner changes leaves one view and enters another', () => {
  it("an admin's PATCH of owner reaches the old owner as agent.deleted and the new one as agent.created", async () => {
    const { a, b, alice, bob, admin } = await setup();
    const since = (await alice.call('GET', '/api/changes')).body.seq as number;
    const moved = await admin.call('PATCH', '/api/c/agent/a1', { owner: 'bob', n: 1 });
    expect(moved.status).toBe(200);
    for (const channel of ['agent', 'agent:a1']) {
      const gone = (await a.waitFor((m) => onA1('agent.deleted')(m) && m.channel === channel)) as unknown as Ev;
      // The old owner gets the record as it last could see it, not as it is now.
      expect(gone.data).toMatchObject({ action: 'deleted', record: { owner: 'alice', n: 0 } });
      const came = (await b.waitFor((m) => onA1('agent.created')(m) && m.channel === channel)) as unknown as Ev;
      expect(came.data).toMatchObject({ action: 'created', record: { owner: 'bob', n: 1 } });
    }
    expect((await alice.call('GET', '/api/c/agent/a1')).status).toBe(404);

    // From here the record is bob's: his updates reach him as updates, alice hears nothing of them.
    await admin.call('PATCH', '/api/c/agent/a1', { n: 2 });
    await alice.agent('a2');
    await b.waitFor((m) => onA1('agent.updated')(m));
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a2');
    expect(recordEvents(agentEvents(a))).toEqual(['agent.deleted:a1', 'agent.created:a2']);
    expect(recordEvents(agentEvents(b))).toEqual(['agent.created:a1', 'agent.updated:a1']);

    // The log tells it the same way, to each reader.
    const aliceLog = (await alice.call('GET', `/api/changes?since=${since}`)).body.changes;
    expect(recordEvents(aliceLog)).toEqual(['agent.deleted:a1', 'agent.created:a2']);
    const bobLog = (await bob.call('GET', `/api/changes?since=${since}&channels=agent:a1`)).body.changes;
    expect(recordEvents(bobLog)).toEqual(['agent.created:a1', 'agent.updated:a1']);
    // An admin sees every change as it is.
    const adminLog = (await admin.call('GET', `/api/changes?since=${since}&channels=agent:a1`)).body.changes;
    expect(recordEvents(adminLog)).toEqual(['agent.updated:a1', 'agent.updated:a1']);
  });

  it('server code moving a record (hub.collections.patch) is seen the same way, live and in a replay', async () => {
    const { h, a, b, alice } = await setup();
    const since = (await alice.call('GET', '/api/changes')).body.seq as number;
    await h.collections.patch('agent', 'a1', { owner: 'bob' });
    await a.waitFor(onA1('agent.deleted'));
    await b.waitFor(onA1('agent.created'));
    // And back: it re-enters alice's view as a create, leaves bob's as a delete.
    await h.collections.patch('agent', 'a1', { owner: 'alice', n: 5 });
    const back = (await a.waitFor(onA1('agent.created'))) as unknown as Ev;
    expect(back.data.record).toMatchObject({ owner: 'alice', n: 5 });
    await b.waitFor(onA1('agent.deleted'));
    expect(recordEvents(agentEvents(a))).toEqual(['agent.deleted:a1', 'agent.created:a1']);
    expect(recordEvents(agentEvents(b))).toEqual(['agent.created:a1', 'agent.deleted:a1']);

    // A resume over both moves replays the same transitions, and counts them.
    const late = await alice.ws();
    const reply = await late.subscribe('agent', { since });
    expect(reply.replayed).toBe(2);
    await late.waitFor(onA1('agent.created'));
    expect(recordEvents(agentEvents(late))).toEqual(['agent.deleted:a1', 'agent.created:a1']);
    const bobLate = await (await cast(h.url, defer)).bob.ws();
    expect((await bobLate.subscribe('agent', { since })).replayed).toBe(2);
    await bobLate.waitFor(onA1('agent.deleted'));
    expect(recordEvents(agentEvents(bobLate))).toEqual(['agent.created:a1', 'agent.deleted:a1']);
  });

  it('a delete of a record after it moved away is not shown to the old owner', async () => {
    const { h, a, b, alice } = await setup();
    await h.collections.patch('agent', 'a1', { owner: 'bob' });
    await a.waitFor(onA1('agent.deleted'));
    await h.collections.remove('agent', 'a1');
    await b.waitFor(onA1('agent.deleted'));
    await alice.agent('a2');
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a2');
    expect(recordEvents(agentEvents(a))).toEqual(['agent.deleted:a1', 'agent.created:a2']);
  });
});
