import { describe, expect, it } from 'vitest';
import { RULES, authzOptions, token } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';

const { hub, defer } = perTest();

/** Rules that read claims: a team's channels, a plan's reports. */
const CLAIM_RULES = {
  ...RULES,
  collections: { ...RULES.collections, report: { read: { claim: 'plan', eq: 'pro' } } },
  channels: { ...RULES.channels, 'team:{claims.team}:*': { subscribe: true, publish: true } },
};

async function connect(url: string, sub: string, claims: Record<string, unknown>): Promise<TestClient> {
  const c = await TestClient.connect(url, { query: `token=${await token(sub, claims)}` });
  defer(() => c.close());
  return c;
}

/** Sends an `auth` frame and resolves with its `authed` (or `error`) reply. */
async function refresh(c: TestClient, sub: string, claims: Record<string, unknown>): Promise<Record<string, unknown>> {
  const from = c.messages.length;
  c.send({ type: 'auth', token: await token(sub, claims) });
  return c.waitFor((m) => m.type === 'authed' || (m.type === 'error' && m.id === undefined), { from });
}

describe('token refresh under rules', () => {
  it('refreshing again and again while changes are written loses no event and duplicates none', async () => {
    const h = await hub(authzOptions());
    const a = await connect(h.url, 'alice', { n: 0 });
    await a.subscribe('agent');
    const total = 120;
    // Server code writes alice's and bob's agents in turn; alice refreshes her token meanwhile.
    const writes = (async () => {
      const seqs: number[] = [];
      for (let i = 0; i < total; i++) {
        const c = await h.collections.create('agent', { id: `a${i}`, owner: 'alice' });
        seqs.push(c.seq);
        await h.collections.create('agent', { id: `b${i}`, owner: 'bob' });
      }
      return seqs;
    })();
    let refreshes = 0;
    let done = false;
    void writes.then(() => (done = true));
    while (!done || refreshes < 3) {
      expect(await refresh(a, 'alice', { n: ++refreshes })).toMatchObject({ type: 'authed', sub: 'alice' });
    }
    const expected = await writes;
    await a.waitFor((m) => m.type === 'event' && m.seq === expected[expected.length - 1]);
    await h.collections.create('agent', { id: 'sentinel', owner: 'alice' });
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'sentinel');
    const got = a.events('agent').map((e) => e.seq!);
    expect(got.slice(0, -1)).toEqual(expected);
    expect(a.events('agent').every((e) => e.data.record && (e.data.record as { owner: string }).owner === 'alice')).toBe(true);
    expect(refreshes).toBeGreaterThanOrEqual(3);
  });

  it('a refresh whose claims no longer allow a subscription ends it with error forbidden (its subscribe id); the others stay', async () => {
    const h = await hub(authzOptions(CLAIM_RULES));
    const a = await connect(h.url, 'alice', { team: 'red', plan: 'pro' });
    await a.subscribe('agent');
    await a.subscribe('team:red:chat'); // id 2
    await a.subscribe('report'); // id 3
    const from = a.messages.length;
    expect(await refresh(a, 'alice', { team: 'blue', plan: 'free' })).toMatchObject({ type: 'authed' });
    const ended = a.messages.slice(from).filter((m) => m.type === 'error');
    expect(ended.map((m) => [m.id, m.code]).sort()).toEqual([
      [2, 'forbidden'],
      [3, 'forbidden'],
    ]);

    // Nothing more arrives on them; `agent` and the new team's channel work.
    await h.publish('team:red:chat', 'said', { text: 'hi' });
    await h.collections.create('report', { id: 'r1' });
    await a.subscribe('team:blue:chat');
    await h.collections.create('agent', { id: 'a1', owner: 'alice' });
    await h.publish('team:blue:chat', 'said', { text: 'blue' });
    await a.waitFor((m) => m.type === 'event' && m.channel === 'team:blue:chat');
    expect(a.events().map((e) => e.channel)).toEqual(['agent', 'team:blue:chat']);
    // Subscribing again is refused under the new claims.
    a.send({ type: 'subscribe', id: 9, channel: 'report' });
    expect(await a.waitFor((m) => m.type === 'error' && m.id === 9)).toMatchObject({ code: 'forbidden' });
  });

  it("an admin's refresh without the admin claim ends the '*' tap", async () => {
    const h = await hub(authzOptions());
    const root = await connect(h.url, 'root', { role: 'admin' });
    await root.subscribe('*'); // id 1
    await refresh(root, 'root', { role: 'user' });
    expect(await root.waitFor((m) => m.type === 'error' && m.id === 1)).toMatchObject({ code: 'forbidden' });
    await h.collections.create('agent', { id: 'x', owner: 'root' });
    await root.subscribe('agent');
    await h.collections.create('agent', { id: 'y', owner: 'root' });
    await root.waitFor((m) => m.type === 'event' && m.channel === 'agent');
    expect(root.events('*')).toEqual([]);
  });

  it("a refresh can widen a view: a new claim's records arrive from then on", async () => {
    const rules = { ...RULES, collections: { doc: { read: { field: 'team', eq: '{claims.team}' } } } };
    const h = await hub(authzOptions(rules));
    const a = await connect(h.url, 'alice', { team: 'red' });
    await a.subscribe('doc');
    await h.collections.create('doc', { id: 'blue1', team: 'blue' });
    await h.collections.create('doc', { id: 'red1', team: 'red' });
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'red1');
    await refresh(a, 'alice', { team: 'blue' });
    await h.collections.create('doc', { id: 'red2', team: 'red' });
    await h.collections.create('doc', { id: 'blue2', team: 'blue' });
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'blue2');
    expect(a.events('doc').map((e) => e.data.id)).toEqual(['red1', 'blue2']);
  });

  it("a token for another sub cannot refresh the session: it stays alice's", async () => {
    const h = await hub(authzOptions());
    const a = await connect(h.url, 'alice', {});
    await a.subscribe('agent');
    const refused = await refresh(a, 'bob', {});
    expect(refused).toMatchObject({ type: 'error', code: 'forbidden' });
    await h.collections.create('agent', { id: 'b1', owner: 'bob' });
    await h.collections.create('agent', { id: 'a1', owner: 'alice' });
    await a.waitFor((m) => m.type === 'event' && (m.data as { id: string }).id === 'a1');
    expect(a.events('agent').map((e) => e.data.id)).toEqual(['a1']);
    expect(h.hub.clients().map((c) => c.sub)).toEqual(['alice']);
  });
});
