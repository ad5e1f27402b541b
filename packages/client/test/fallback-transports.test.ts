import { afterEach, describe, expect, it } from 'vitest';
import { api, startHub } from '../../server/test/helpers/hub-fixture.js';
import { readWholeLog } from '../../server/test/helpers/write-load.js';
import { createClient, type LivehubClient, type TransportKind } from '../src/index.js';
import { BlockingProxy } from './helpers/blocking-proxy.js';
import { record, type Recorded } from './helpers/recorder.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const hub = await startHub({ heartbeatMs: 1000 });
  cleanups.push(() => hub.cleanup());
  const proxy = await BlockingProxy.start(hub.url, { blockUpgrades: true });
  cleanups.push(() => proxy.close());
  return { hub, proxy };
}

function client(url: string, opts: Parameters<typeof createClient>[0] = {}): { c: LivehubClient; switches: string[] } {
  const c = createClient({ url, probeIntervalMs: 150, pollWaitS: 5, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...opts });
  cleanups.push(() => c.close());
  const switches: string[] = [];
  c.on('transport', (t) => switches.push(`${t.from ?? 'none'}→${t.to}`));
  return { c, switches };
}

async function write(base: string, method: string, path: string, body?: unknown): Promise<void> {
  const r = await api(base, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

const on = (c: LivehubClient, kind: TransportKind) => () => c.isConnected && c.transport === kind;

/** The app's cache equals the hub's records (id → version). */
async function expectSameState(base: string, collection: string, rec: Recorded): Promise<void> {
  const list = await api(base, 'GET', `/api/c/${collection}?order=id&limit=1000`);
  const want = new Map((list.body.items as Array<{ id: string; version: number }>).map((r) => [r.id, r.version]));
  expect(new Map([...rec.state].map(([id, r]) => [id, r.version]))).toEqual(want);
}

describe('fallback transports behind a proxy that breaks WebSockets (real hub, real proxy)', () => {
  it('WebSocket blocked at the upgrade → SSE; SSE blocked too → long-poll; unblocked → probes back to WebSocket; every change once, in order', async () => {
    const { hub, proxy } = await setup();
    const { c, switches } = client(proxy.url);
    const orders = c.subscribe('order', { snapshot: true });
    const one = c.subscribe('order:o1');
    const chat = c.subscribe('chat:room:1');
    const recOrders = record(orders);
    const recOne = record(one);
    const recChat = record(chat);
    await waitFor(on(c, 'sse'), 'connected over SSE');
    await Promise.all([orders.ready, one.ready, chat.ready]);
    expect(proxy.upgradesRefused).toBeGreaterThan(0);

    for (let i = 0; i < 10; i++) await write(hub.url, 'POST', '/api/c/order', { id: `o${i}`, step: 0 });
    // Publishing from a fallback goes through POST /api/publish; SSE carries ephemeral events too.
    await c.publish('chat:room:1', 'message.posted', { text: 'over sse' });
    await waitFor(() => recOrders.seqs.length === 10 && recChat.events.length === 1, '10 changes and the chat message over SSE');

    // Now the proxy fails event streams as well, and cuts what is open.
    proxy.blockedPaths.add('/api/events');
    proxy.dropAll();
    await waitFor(on(c, 'long-poll'), 'connected over long-poll');
    for (let i = 0; i < 10; i++) await write(hub.url, 'PATCH', `/api/c/order/o${i}`, { step: 1 });
    await write(hub.url, 'DELETE', '/api/c/order/o5');
    await waitFor(() => recOrders.seqs.length === 21, 'the patches and the delete over long-poll');
    // While on a fallback the client keeps probing the WebSocket.
    const refusedBefore = proxy.upgradesRefused;
    await waitFor(() => proxy.upgradesRefused > refusedBefore, 'a WebSocket probe');

    proxy.blockUpgrades = false;
    proxy.blockedPaths.clear();
    await waitFor(on(c, 'websocket'), 'back on WebSocket');
    for (let i = 0; i < 3; i++) await write(hub.url, 'PATCH', `/api/c/order/o${i}`, { step: 2 });
    await c.publish('chat:room:1', 'message.posted', { text: 'over ws' });

    const log = await readWholeLog(hub.url);
    await waitFor(() => recOrders.seqs.at(-1) === log.head && recChat.events.length === 2, 'everything, back on WebSocket');
    expect(recOrders.seqs).toEqual(log.entries.map((e) => e.seq));
    expect(recOne.seqs).toEqual(log.entries.filter((e) => e.id === 'o1').map((e) => e.seq));
    expect(recOrders.resets.map((r) => r.reason)).toEqual(['initial']);
    await expectSameState(hub.url, 'order', recOrders);
    expect(switches).toEqual(['none→sse', 'sse→long-poll', 'long-poll→websocket']);
  }, 30_000);

  it('subscriptions added while on a fallback get their snapshot (in the SSE stream, over HTTP on long-poll) and converge, without disturbing the others', async () => {
    const { hub, proxy } = await setup();
    const { c } = client(proxy.url);
    for (let i = 0; i < 5; i++) await write(hub.url, 'POST', '/api/c/agent', { id: `a${i}`, n: 0 });
    const first = c.subscribe('agent:a1');
    const recFirst = record(first);
    await waitFor(on(c, 'sse'), 'connected over SSE');
    await first.ready;
    await write(hub.url, 'PATCH', '/api/c/agent/a1', { n: 1 });
    await waitFor(() => recFirst.seqs.length === 1, 'a1 patched');

    // Joins a stream that resumes `agent:a1` from its own seq (`agent:a1@6`) while `agent` has no
    // position: the hub snapshots `agent` in the same stream, no HTTP read needed.
    const agents = c.subscribe('agent', { snapshot: true });
    const recAgents = record(agents);
    await agents.ready;
    expect(proxy.requests).not.toContain('GET /api/c/agent');
    expect(recAgents.resets.map((r) => r.reason)).toEqual(['initial']);
    expect(recAgents.resets[0]!.snapshot!.map((r) => r.id)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    for (let i = 0; i < 5; i++) await write(hub.url, 'PATCH', `/api/c/agent/a${i}`, { n: 2 });
    await waitFor(() => recAgents.seqs.length === 5, 'five patches');
    await expectSameState(hub.url, 'agent', recAgents);
    expect(recFirst.seqs).toEqual([6, 8]);

    proxy.blockedPaths.add('/api/events');
    proxy.dropAll();
    await waitFor(on(c, 'long-poll'), 'connected over long-poll');
    for (let i = 0; i < 3; i++) await write(hub.url, 'POST', '/api/c/task', { id: `t${i}` });
    const tasks = c.subscribe('task', { snapshot: true });
    const recTasks = record(tasks);
    await tasks.ready;
    expect(proxy.requests).toContain('GET /api/c/task');
    expect(recTasks.resets[0]!.snapshot!.map((r) => r.id)).toEqual(['t0', 't1', 't2']);
    await write(hub.url, 'POST', '/api/c/task', { id: 't3' });
    await write(hub.url, 'PATCH', '/api/c/agent/a4', { n: 3 });
    await waitFor(() => recTasks.seqs.length === 1 && recAgents.seqs.length === 6, 'the new task and the agent patch');
    await expectSameState(hub.url, 'task', recTasks);
    await expectSameState(hub.url, 'agent', recAgents);
    // A subscription with no snapshot on long-poll starts live, from the list's head.
    const live = c.subscribe('note');
    const recLive = record(live);
    await live.ready;
    await write(hub.url, 'POST', '/api/c/note', { id: 'n1' });
    await waitFor(() => recLive.seqs.length === 1, 'a live note');
    expect(recLive.resets).toEqual([]);
  }, 30_000);
});
