import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHub } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';

describe('WebSocket channels', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub.cleanup());

  it('welcomes with clientId, epoch, head and heartbeat; honours x-client-id and ?clientId=', async () => {
    const a = await TestClient.connect(hub.url, { clientId: 'desk-1' });
    const welcome = a.messages[0]!;
    expect(welcome).toMatchObject({ type: 'welcome', clientId: 'desk-1', epoch: hub.store.epoch, heartbeatMs: 25000, protocol: 1 });
    expect(typeof welcome.seq).toBe('number');
    const b = await TestClient.connect(hub.url, { query: 'clientId=tab-7' });
    expect(b.messages[0]!.clientId).toBe('tab-7');
    const c = await TestClient.connect(hub.url, { clientId: 'bad id with spaces' });
    expect(c.messages[0]!.clientId).toMatch(/^c-/);
    for (const x of [a, b, c]) x.close();
  });

  it('delivers record events on the collection and the record channel, once per channel asked', async () => {
    const coll = await TestClient.connect(hub.url);
    const both = await TestClient.connect(hub.url);
    const { body: rec } = await api(hub.url, 'POST', '/api/c/agent', { name: 'x' });
    await coll.subscribe('agent');
    await both.subscribe('agent');
    await both.subscribe(`agent:${rec.id}`);
    await api(hub.url, 'PATCH', `/api/c/agent/${rec.id}`, { status: 'busy' });
    const other = (await api(hub.url, 'POST', '/api/c/agent', { name: 'y' })).body;
    await api(hub.url, 'DELETE', `/api/c/agent/${rec.id}`);

    await coll.until((all) => all.filter((m) => m.type === 'event').length === 3);
    expect(coll.events().map((e) => [e.channel, e.event])).toEqual([
      ['agent', 'agent.updated'],
      ['agent', 'agent.created'],
      ['agent', 'agent.deleted'],
    ]);
    const upd = coll.events()[0]!;
    expect(upd.data).toMatchObject({ id: rec.id, collection: 'agent', action: 'updated', version: 2, record: { name: 'x', status: 'busy' } });
    expect(upd.timestamp).toMatch(/Z$/);

    await both.until((all) => all.filter((m) => m.type === 'event').length === 5);
    expect(both.events(`agent:${rec.id}`).map((e) => e.event)).toEqual(['agent.updated', 'agent.deleted']);
    expect(both.events('agent').map((e) => e.data.id)).toEqual([rec.id, other.id, rec.id]);
    // The deleted event carries a version above the last update, so caches can order it.
    expect(both.events(`agent:${rec.id}`)[1]!.data.version).toBe(3);
    coll.close();
    both.close();
  });

  it('publishes ephemeral events from WS, HTTP and server code, without seq', async () => {
    const sub = await TestClient.connect(hub.url);
    const pub = await TestClient.connect(hub.url);
    await sub.subscribe('session:123');
    pub.send({ type: 'publish', id: 'p1', channel: 'session:123', event: 'session.stream_output', data: { chunk: 'hel' } });
    await pub.waitFor((m) => m.type === 'ack' && m.id === 'p1');
    const http = await api(hub.url, 'POST', '/api/publish', { channel: 'session:123', event: 'session.stream_output', data: { chunk: 'lo' } });
    expect(http.status).toBe(202);
    await hub.publish('session:123', 'session.progress', { pct: 50 });
    await sub.until((all) => all.filter((m) => m.type === 'event').length === 3);
    const evs = sub.events('session:123');
    expect(evs.map((e) => e.event)).toEqual(['session.stream_output', 'session.stream_output', 'session.progress']);
    expect(evs.map((e) => e.data)).toEqual([{ chunk: 'hel' }, { chunk: 'lo' }, { pct: 50 }]);
    for (const e of evs) expect(e.seq).toBeUndefined();
    // The publisher did not subscribe, so it got nothing but its ack.
    expect(pub.events()).toHaveLength(0);
    const deep = await TestClient.connect(hub.url);
    await deep.subscribe('workflow:run:456');
    await hub.publish('workflow:run:456', 'workflow.run.step.completed', { step: 2 });
    await deep.waitFor((m) => m.type === 'event' && m.channel === 'workflow:run:456');
    for (const c of [sub, pub, deep]) c.close();
  });

  it('reaches every connection on system (broadcast) and one clientId with sendTo', async () => {
    const a = await TestClient.connect(hub.url, { clientId: 'alpha' });
    const a2 = await TestClient.connect(hub.url, { clientId: 'alpha' });
    const b = await TestClient.connect(hub.url, { clientId: 'beta' });
    await hub.broadcast('system.maintenance', { in: '5m' });
    await hub.sendTo('alpha', 'notice.private', { hi: 1 });
    for (const c of [a, a2, b]) await c.waitFor((m) => m.type === 'event' && m.event === 'system.maintenance' && m.channel === 'system');
    await a.waitFor((m) => m.type === 'event' && m.event === 'notice.private');
    await a2.waitFor((m) => m.type === 'event' && m.event === 'notice.private');
    await hub.broadcast('system.after', {});
    await b.waitFor((m) => m.event === 'system.after');
    expect(b.events().some((e) => e.event === 'notice.private')).toBe(false);
    for (const c of [a, a2, b]) c.close();
  });

  it('unsubscribes and stops delivering; ping gets pong with the client ts', async () => {
    const c = await TestClient.connect(hub.url);
    await c.subscribe('note');
    c.send({ type: 'unsubscribe', id: 9, channel: 'note' });
    await c.waitFor((m) => m.type === 'unsubscribed' && m.id === 9 && m.channel === 'note');
    await api(hub.url, 'POST', '/api/c/note', { t: 1 });
    c.send({ type: 'ping', id: 'x', ts: 123 });
    const pong = await c.waitFor((m) => m.type === 'pong');
    expect(pong).toMatchObject({ id: 'x', ts: 123 });
    expect(typeof pong.serverTs).toBe('number');
    expect(c.events('note')).toHaveLength(0);
    c.close();
  });

  it('answers sync_request with the changes after a seq, paged', async () => {
    const c = await TestClient.connect(hub.url);
    const start = (await api(hub.url, 'GET', '/healthz')).body.seq as number;
    for (let i = 0; i < 5; i++) await api(hub.url, 'POST', '/api/c/sync', { i });
    c.send({ type: 'sync_request', id: 1, since: start, limit: 3 });
    const first = await c.waitFor((m) => m.type === 'sync_response' && m.id === 1);
    expect(first.more).toBe(true);
    const firstChanges = first.changes as Array<{ seq: number }>;
    expect(firstChanges.map((x) => x.seq)).toEqual([start + 1, start + 2, start + 3]);
    c.send({ type: 'sync_request', id: 2, since: first.seq, limit: 3 });
    const second = await c.waitFor((m) => m.type === 'sync_response' && m.id === 2);
    expect(second.more).toBe(false);
    expect((second.changes as Array<{ seq: number }>).map((x) => x.seq)).toEqual([start + 4, start + 5]);
    expect(second.seq).toBe(start + 5);
    c.send({ type: 'sync_request', id: 3, since: 0, epoch: 'e-other' });
    const reset = await c.waitFor((m) => m.type === 'sync_response' && m.id === 3);
    expect(reset.reset).toBe(true);
    c.close();
  });

  it('taps every change and ephemeral event on *, with via naming the channel, and replays the whole log', async () => {
    const start = (await api(hub.url, 'GET', '/healthz')).body.seq as number;
    const tap = await TestClient.connect(hub.url);
    await tap.subscribe('*');
    await api(hub.url, 'POST', '/api/c/tapped', { id: 't1' });
    await hub.publish('run:9:1', 'run.progress', { pct: 1 });
    await hub.broadcast('system.skip', {});
    await tap.until((all) => all.filter((m) => m.type === 'event' && m.channel === '*').length === 2);
    const [change, eph] = tap.events('*');
    expect(change).toMatchObject({ via: 'tapped', event: 'tapped.created', seq: start + 1 });
    expect(eph).toMatchObject({ via: 'run:9:1', event: 'run.progress', data: { pct: 1 } });
    // The system broadcast reached the tap's connection once, on system, not again through *.
    await tap.waitFor((m) => m.event === 'system.skip');
    expect(tap.events('*').some((e) => e.event === 'system.skip')).toBe(false);

    const replay = await TestClient.connect(hub.url);
    const sub = await replay.subscribe('*', { since: start, epoch: hub.store.epoch });
    expect(sub.replayed).toBe(1);
    tap.send({ type: 'publish', id: 'no', channel: '*', event: 'x.y', data: 1 });
    expect((await tap.waitFor((m) => m.type === 'error' && m.id === 'no')).code).toBe('invalid_channel');
    tap.send({ type: 'subscribe', id: 'snap', channel: '*', snapshot: true });
    expect((await tap.waitFor((m) => m.type === 'error' && m.id === 'snap')).code).toBe('bad_request');
    const http = await api(hub.url, 'GET', `/api/changes?since=${start}&channels=*`);
    expect(http.body.changes).toHaveLength(1);
    tap.close();
    replay.close();
  });
});
