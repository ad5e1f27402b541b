import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createHub, SqliteStore, type BusMessage, type HubOptions, type LivehubServer } from '../src/index.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { REDIS_URL, testPrefix } from './helpers/bus-servers.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { TestClient } from './helpers/ws-client.js';

// Two nodes in one process: two hubs on one store (one SqliteStore instance stands for the shared
// database), each with its own RedisBus on the real Redis, under a prefix of this test's own.
describe('two hubs on one Redis bus', () => {
  const t = perTest();
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await raw.quit();
  });

  async function nodes(b: HubOptions = {}, a: HubOptions = {}): Promise<{ a: LivehubServer; b: LivehubServer; prefix: string }> {
    const tmp = tempDir();
    const store = new SqliteStore({ file: `${tmp.dir}/shared.db`, durability: 'normal' });
    const prefix = testPrefix();
    const hub = (o: HubOptions): LivehubServer =>
      createHub({ port: 0, logLevel: 'silent', shutdownGraceMs: 300, store, redis: REDIS_URL, redisKeyPrefix: prefix, ...o });
    const [hubA, hubB] = [hub(a), hub(b)];
    // Both stop (each closes the shared store; closing twice is harmless), then the folder goes.
    t.defer(async () => {
      await Promise.all([hubA.stop(), hubB.stop()]);
      tmp.cleanup();
    });
    await Promise.all([hubA.start(), hubB.start()]);
    return { a: hubA, b: hubB, prefix };
  }

  const redisAddress = (): { host: string; port: number } => ({ host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) });

  /** Subscriber connections Redis counts on a channel: how a test knows a node's watch is in effect. */
  const subscribers = async (channel: string): Promise<number> => {
    const reply = (await raw.pubsub('NUMSUB', channel)) as [string, number];
    return Number(reply[1]);
  };

  /** Everything Redis sends a node's subscriber connection reaches its handle's handlers: record it there. */
  async function tap(node: LivehubServer): Promise<BusMessage[]> {
    const got: BusMessage[] = [];
    await node.bus.subscribe((m) => got.push(m));
    return got;
  }

  /** A change written through `node` and seen on `seen`: its bus publishes in order, so what it published before has arrived. */
  async function barrier(node: LivehubServer, seen: BusMessage[]): Promise<void> {
    const { body } = await api(node.url, 'POST', '/api/c/marker', { at: Date.now() });
    await waitFor(() => seen.some((m) => m.kind === 'change' && m.change.id === body.id), 'the marker change on the tapped node');
  }

  it('answers subscribed only once the bus routes the channel to the node: a publish right after it is not lost', async () => {
    // B's link to Redis is slow: its SUBSCRIBE reaches Redis 150 ms after B sends it.
    const slow = new TcpProxy(redisAddress(), 150);
    await slow.start();
    t.defer(() => slow.stop());
    const { a, b } = await nodes({ redis: `redis://127.0.0.1:${slow.port}` });
    const onB = await TestClient.connect(b.url);
    for (let i = 0; i < 3; i++) {
      await onB.subscribe(`fresh:${i}`);
      // Published at once through A: lost if B had answered `subscribed` before its watch took.
      expect((await api(a.url, 'POST', '/api/publish', { channel: `fresh:${i}`, event: 'tick', data: { i } })).status).toBe(202);
      await onB.waitFor((m) => m.type === 'event' && m.channel === `fresh:${i}`);
    }
    onB.close();
  });

  it('carries an ephemeral event from A to a subscriber on B, and sends A (no interest) nothing', async () => {
    const { a, b, prefix } = await nodes();
    const onB = await TestClient.connect(b.url);
    await onB.subscribe('room:1');
    const onA = await TestClient.connect(a.url);
    await onA.subscribe('room:2');
    await waitFor(async () => (await subscribers(`${prefix}:e:room:1`)) === 1, 'only B watching room:1 on Redis');
    const seenByA = await tap(a);

    expect((await api(a.url, 'POST', '/api/publish', { channel: 'room:1', event: 'tick', data: { n: 1 } })).status).toBe(202);
    const ev = await onB.waitFor((m) => m.type === 'event' && m.channel === 'room:1');
    expect(ev).toMatchObject({ event: 'tick', data: { n: 1 } });

    await barrier(a, seenByA);
    expect(seenByA.filter((m) => m.kind === 'ephemeral')).toEqual([]);
    expect(onA.events('room:1')).toEqual([]);
    // Interest follows subscribers: B's last one leaving unwatches the channel.
    onB.close();
    await waitFor(async () => (await subscribers(`${prefix}:e:room:1`)) === 0, 'room:1 unwatched once B has no subscriber');
    onA.close();
  });

  it('feeds a `*` tap on B with every channel published on A (B pattern-subscribes), once each', async () => {
    const { a, b, prefix } = await nodes();
    const tapB = await TestClient.connect(b.url);
    await tapB.subscribe('*');
    await tapB.subscribe('room:1');
    // Our own connections only: their CLIENT LIST line shows the pattern subscription.
    const patterns = async (): Promise<boolean> =>
      ((await raw.client('LIST')) as string).split('\n').some((l) => l.includes(`name=${prefix}-bus`) && / psub=1 /.test(l));
    await waitFor(patterns, 'B pattern-subscribed on Redis');
    await waitFor(async () => (await subscribers(`${prefix}:e:room:1`)) === 1, 'B watching room:1 by name too');
    await a.publish('room:1', 'tick', 1);
    await a.publish('room:7', 'tick', 7);
    await a.publish('room:1', 'tock', 2);
    // The tap hears changes too: a change A publishes after them arrives after them, on the same socket.
    await api(a.url, 'POST', '/api/c/marker', {});
    await tapB.waitFor((m) => m.type === 'event' && m.event === 'marker.created');
    // room:1 twice (its subscription and the tap), room:7 once (the tap): no pattern duplicate.
    expect(tapB.events('room:1').map((m) => m.data)).toEqual([1, 2]);
    expect(tapB.events('*').flatMap((m) => (m.event === 'marker.created' ? [] : [[m.via, m.data]]))).toEqual([
      ['room:1', 1],
      ['room:7', 7],
      ['room:1', 2],
    ]);
    tapB.close();
  });

  it('reaches a client on the other node with sendTo (and broadcast), and only the node holding it', async () => {
    const { a, b, prefix } = await nodes();
    const x = await TestClient.connect(b.url, { clientId: 'x-1' });
    await waitFor(async () => (await subscribers(`${prefix}:c:x-1`)) === 1, "B watching x-1's channel");
    const seenByA = await tap(a);

    await a.sendTo('x-1', 'nudge', { hi: true });
    await a.broadcast('hello', { all: true });
    await x.waitFor((m) => m.type === 'event' && m.channel === 'system' && m.event === 'nudge');
    await x.waitFor((m) => m.type === 'event' && m.channel === 'system' && m.event === 'hello');
    expect(x.events('system').find((m) => m.event === 'nudge')?.data).toEqual({ hi: true });

    await barrier(a, seenByA);
    // A watches `system` (broadcasts), never x-1: it holds no session of it.
    expect(seenByA.flatMap((m) => (m.kind === 'ephemeral' ? [m.event.event] : []))).toEqual(['hello']);
    x.close();
  });

  it("delivers a change written on A to B's subscriber live, through Redis (B's log poll is too slow to)", async () => {
    const { a, b } = await nodes({ feedPollMs: 600_000 });
    const onB = await TestClient.connect(b.url);
    await onB.subscribe('todo');
    const created = await api(a.url, 'POST', '/api/c/todo', { title: 'from A' });
    expect(created.status).toBe(201);
    const ev = await onB.waitFor((m) => m.type === 'event' && m.channel === 'todo');
    expect(ev).toMatchObject({ event: 'todo.created', seq: expect.any(Number), data: expect.objectContaining({ id: created.body.id }) });
    onB.close();
  });

  it('through a Redis outage: B says so in /healthz, serves changes from the log, refuses ephemeral publishes, and re-subscribes after', async () => {
    const proxy = new TcpProxy(redisAddress());
    await proxy.start();
    t.defer(() => proxy.stop());
    const { a, b, prefix } = await nodes({ redis: `redis://127.0.0.1:${proxy.port}`, feedPollMs: 50 }, { feedPollMs: 50 });
    const onB = await TestClient.connect(b.url);
    await onB.subscribe('todo');
    await onB.subscribe('room:1');
    const onA = await TestClient.connect(a.url);
    await onA.subscribe('todo');
    await waitFor(async () => (await subscribers(`${prefix}:e:room:1`)) === 1, 'B watching room:1');
    expect((await api(b.url, 'GET', '/healthz')).body.bus).toMatchObject({ kind: 'redis', ok: true });

    await proxy.stop();
    await waitFor(async () => (await api(b.url, 'GET', '/healthz')).body.bus.ok === false, 'B reporting its bus down');
    await waitFor(async () => (await subscribers(`${prefix}:e:room:1`)) === 0, "Redis dropping B's cut connection");
    const health = await api(b.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body.bus.detail).toMatch(/ECONNREFUSED|reconnecting|connecting|close/);

    // Durable changes keep flowing both ways, through the log poll.
    const fromA = await api(a.url, 'POST', '/api/c/todo', { title: 'written on A during the outage' });
    await onB.waitFor((m) => m.type === 'event' && m.channel === 'todo' && (m.data as { id?: string }).id === fromA.body.id);
    const fromB = await api(b.url, 'POST', '/api/c/todo', { title: 'written on B during the outage' });
    expect(fromB.status).toBe(201);
    await onA.waitFor((m) => m.type === 'event' && m.channel === 'todo' && (m.data as { id?: string }).id === fromB.body.id);
    // Ephemeral events have no log: refused, with the catalogue's code.
    const refused = await api(b.url, 'POST', '/api/publish', { channel: 'room:1', event: 'tick', data: 1 });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('bus_unavailable');
    await expect(b.sendTo('anyone', 'nudge', {})).rejects.toMatchObject({ code: 'bus_unavailable' });

    // Redis back: ioredis reconnects and re-subscribes what B watched.
    await proxy.start();
    await waitFor(async () => (await api(b.url, 'GET', '/healthz')).body.bus.ok === true, 'B reporting its bus back', 15_000);
    await waitFor(async () => (await subscribers(`${prefix}:e:room:1`)) === 1, 'room:1 re-subscribed by B');
    await a.publish('room:1', 'tick', { after: true });
    const ev = await onB.waitFor((m) => m.type === 'event' && m.channel === 'room:1');
    expect(ev.data).toEqual({ after: true });
    onA.close();
    onB.close();
  });

  it('starts degraded when its Redis does not answer, and connects (with what it watched meanwhile) once it does', async () => {
    const proxy = new TcpProxy(redisAddress());
    await proxy.start();
    await proxy.stop(); // a port known to refuse connections, until started again
    t.defer(() => proxy.stop());
    const { a, b, prefix } = await nodes({ redis: `redis://127.0.0.1:${proxy.port}` });
    const health = await api(b.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body.bus).toMatchObject({ kind: 'redis', ok: false, detail: expect.stringMatching(/ECONNREFUSED/) });
    const onB = await TestClient.connect(b.url);
    await onB.subscribe('room:1');

    await proxy.start();
    await waitFor(async () => (await api(b.url, 'GET', '/healthz')).body.bus.ok === true, 'B connected', 15_000);
    await waitFor(async () => (await subscribers(`${prefix}:e:room:1`)) === 1, 'the watch B asked for while Redis was away');
    await a.publish('room:1', 'tick', 1);
    expect((await onB.waitFor((m) => m.type === 'event' && m.channel === 'room:1')).data).toBe(1);
    onB.close();
  });
});
