import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { CloseCode, SUBPROTOCOL } from '@livehub/protocol';
import { api, perTest, type startHub } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const MiB = 1024 * 1024;
/** ~5 KB per change: 4,000 of them make a 20 MB log, which one unbounded page would hold whole. */
const FILLER = 'x'.repeat(5000);

async function seed(server: Awaited<ReturnType<typeof startHub>>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await server.collections.create('big', { id: `r${i}`, filler: FILLER });
}

/** A socket that stops reading right after its welcome: what it asks for piles up in the hub. */
async function stalled(url: string): Promise<WebSocket> {
  const c = await TestClient.connect(url);
  (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  return c.ws;
}

describe('outbound memory bounds', () => {
  const { hub, defer } = perTest();

  it('12 stalled sockets asking sync_request{since:0,limit:10000} twice keep the hub within its documented bound', async () => {
    const server = await hub({ durability: 'normal', limits: { maxTotalQueueBytes: 512 * MiB } });
    const { limits } = server.options;
    await seed(server, 4000);
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 12; i++) {
      const ws = await stalled(server.url);
      defer(() => ws.terminate());
      for (const id of [1, 2]) ws.send(JSON.stringify({ type: 'sync_request', id, since: 0, limit: 10000 }));
    }
    // Documented: a connection holds at most one sync page beyond syncInFlightBytes. The peak is
    // sampled while the requests are served (ws keeps queued frames as Buffers: arrayBuffers),
    // with 8 MiB for everything else; going over gives up at once.
    const perConnection = limits.syncInFlightBytes + limits.syncPageBytes;
    const bound = 12 * perConnection;
    let peakQueued = 0;
    let peakBuffers = 0;
    await waitFor(
      () => {
        peakQueued = Math.max(peakQueued, server.hub.outboundBytes);
        peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers - before);
        if (peakQueued > bound || peakBuffers > bound + 8 * MiB) throw new Error(`over the bound: queued ${peakQueued} B, buffers +${peakBuffers} B`);
        // Every request arrived and every connection was answered at least once.
        return server.hub.clients().length === 12 && server.hub.clients().every((c) => c.received === 2 && c.sent >= 2);
      },
      () => `requests answered: ${JSON.stringify(server.hub.clients().map((c) => [c.received, c.sent]))}`,
    );
    expect(peakQueued).toBeLessThanOrEqual(bound);
    expect(peakBuffers).toBeLessThanOrEqual(bound + 8 * MiB);
    const health = await api(server.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(server.hub.connectionCount).toBe(12);
  });

  it('a sync_request page is bounded by syncPageBytes and pages on with more:true', async () => {
    const server = await hub({ durability: 'normal', limits: { syncPageBytes: 64 * 1024 } });
    await seed(server, 100);
    const c = await TestClient.connect(server.url);
    defer(() => c.ws.terminate());
    let since = 0;
    const seen: number[] = [];
    for (;;) {
      const from = c.messages.length;
      c.send({ type: 'sync_request', id: since, since, limit: 10000 });
      const r = await c.waitFor((m) => m.type === 'sync_response' && m.id === since, { from });
      const changes = r.changes as Array<{ seq: number }>;
      expect(JSON.stringify(changes).length).toBeLessThanOrEqual(64 * 1024 + 6000);
      seen.push(...changes.map((x) => x.seq));
      since = r.seq as number;
      if (!r.more) break;
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('over maxTotalQueueBytes the largest backlogs are closed 4408; a reading bystander keeps everything', async () => {
    const server = await hub({ durability: 'normal', limits: { maxTotalQueueBytes: 6 * MiB, syncPageBytes: 4 * MiB } });
    await seed(server, 2000);
    const bystander = await TestClient.connect(server.url);
    defer(() => bystander.ws.terminate());
    await bystander.subscribe('session:b');
    const codes: number[] = [];
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 4; i++) {
      const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/ws', SUBPROTOCOL);
      defer(() => ws.terminate());
      ws.on('close', (code) => codes.push(code));
      await new Promise((resolve) => ws.once('message', resolve));
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
      ws.send(JSON.stringify({ type: 'sync_request', id: 1, since: 0, limit: 10000 }));
      sockets.push(ws);
    }
    await waitFor(() => server.hub.clients().filter((c) => c.sent >= 2).length === 5, 'every stalled socket to get its page');
    await waitFor(() => server.hub.outboundBytes <= 6 * MiB, 'the node to shed backlogs');
    // The stalled peers read again: a shed one finds its close after what was sent.
    for (const ws of sockets) (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    for (let i = 0; i < 20; i++) await server.publish('session:b', 'tick', { i });
    await bystander.until((all) => all.filter((m) => m.type === 'event' && m.event === 'tick').length === 20);
    await waitFor(
      () => codes.includes(CloseCode.SlowConsumer),
      () => `a stalled socket closed 4408 (closes so far: ${codes.join(',')})`,
    );
    expect(bystander.closeCode).toBeUndefined();
  });
});
