import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@livehub/protocol';
import { HubError, SqliteStore, type Authenticator } from '../src/index.js';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { LaggyStore } from './helpers/laggy-store.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { wsText } from '../../../test/helpers/ws-text.js';

const { hub: hubOn, defer } = perTest();

describe('operations endpoints', () => {
  it('reports health, clients with their channels, metrics and a status page', async () => {
    const hub = await hubOn({ dashboard: false });
    const c = await TestClient.connect(hub.url, { clientId: 'ops-1' });
    await c.subscribe('agent');
    await api(hub.url, 'POST', '/api/c/agent', { name: 'x' });
    await c.waitFor((m) => m.type === 'event');

    const health = await api(hub.url, 'GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'ok', epoch: hub.store.epoch, seq: 1, floor: 0, connections: 1, bus: { kind: 'memory', ok: true } });

    const clients = await api(hub.url, 'GET', '/api/hub/clients');
    expect(clients.body.clients).toEqual([expect.objectContaining({ clientId: 'ops-1', sub: 'anonymous', channels: ['system', 'agent'] })]);
    expect(clients.body.channels).toEqual(
      expect.arrayContaining([
        { channel: 'agent', subscribers: 1 },
        { channel: 'system', subscribers: 1 },
      ]),
    );

    const metrics = await api(hub.url, 'GET', '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/^livehub_connections 1$/m);
    expect(metrics.body).toMatch(/^livehub_changes_total 1$/m);
    expect(metrics.body).toMatch(/^livehub_deliveries_total 1$/m);

    const home = await api(hub.url, 'GET', '/');
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    expect(home.body).toContain(hub.store.epoch);
    c.close();
  });

  it('compacts the log on its interval', async () => {
    const hub = await hubOn({ retention: { maxChanges: 3, intervalMs: 20 } });
    for (let i = 0; i < 10; i++) await api(hub.url, 'POST', '/api/c/ev', { i });
    await waitFor(async () => (await hub.store.bounds()).floor >= 7, 'compaction', 1000).catch(() => undefined);
    expect(await hub.store.bounds()).toEqual({ floor: 7, head: 10 });
  });

  it('never compacts below a replay in progress', async () => {
    // Slow reads and tiny pages keep the replay running while compaction is attempted repeatedly.
    const tmp = tempDir();
    defer(async () => tmp.cleanup());
    const store = new LaggyStore(new SqliteStore({ file: `${tmp.dir}/pin.db`, durability: 'normal' }), 30);
    const policy = { maxChanges: 3, maxAgeMs: 1e12 };
    const hub = await hubOn({ store, retention: { ...policy, intervalMs: 600_000 }, replayPageSize: 2 });
    for (let i = 0; i < 12; i++) await hub.collections.create('ev', { id: `e${i}` });
    const c = await TestClient.connect(hub.url);
    const sub = await c.subscribe('ev', { since: 0, epoch: store.epoch });
    expect(sub).toMatchObject({ replayed: 12 });
    // Until the replay is done, what the retention timer does: compact up to the hub's low-water mark.
    await waitFor(
      async () => {
        await store.compact(policy, hub.hub.lowWaterMark());
        return c.events('ev').length >= 12;
      },
      'the replay to finish while compaction is attempted',
      20_000,
    );
    expect(c.events('ev').map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await store.compact(policy, hub.hub.lowWaterMark());
    expect((await store.bounds()).floor).toBe(9);
    c.close();
  });
});

describe('dashboard support', () => {
  it('reports per-second events and deliveries', async () => {
    const hub = await hubOn();
    const c = await TestClient.connect(hub.url);
    await c.subscribe('agent');
    await c.subscribe('*');
    for (let i = 0; i < 3; i++) await api(hub.url, 'POST', '/api/c/agent', { i });
    await hub.publish('s:1', 's.x', {});
    let stats = (await api(hub.url, 'GET', '/api/hub/stats?seconds=10')).body;
    const counted = async (): Promise<boolean> => {
      stats = (await api(hub.url, 'GET', '/api/hub/stats?seconds=10')).body;
      return stats.samples.reduce((n: number, s: { events: number }) => n + s.events, 0) >= 4;
    };
    await waitFor(counted, 'four events in the samples', 4000).catch(() => undefined);
    const sum = (k: 'events' | 'deliveries') => stats.samples.reduce((n: number, s: Record<string, number>) => n + s[k]!, 0);
    // 3 changes to 2 subscriptions each (agent and *), 1 ephemeral to the tap only.
    expect(sum('events')).toBe(4);
    expect(sum('deliveries')).toBe(7);
    expect(stats).toMatchObject({ seq: 3, connections: 1, subscriptions: 3, intervalMs: 1000 });
    c.close();
  });

  it('serves a built dashboard folder at /, and the status page without one', async () => {
    const tmp = tempDir();
    defer(async () => tmp.cleanup());
    writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html><title>dash</title><div id="root"></div>');
    writeFileSync(join(tmp.dir, 'app.js'), 'console.log(1)');
    const hub = await hubOn({ dashboard: tmp.dir });
    const index = await api(hub.url, 'GET', '/');
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.body).toContain('<title>dash</title>');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const asset = await api(hub.url, 'GET', '/app.js');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await api(hub.url, 'GET', '/api/c/x')).status).toBe(200);
    expect((await api(hub.url, 'GET', '/nope.js')).body.error.code).toBe('not_found');
    const plain = await hubOn({ dashboard: false });
    expect((await api(plain.url, 'GET', '/')).body).toContain('<h1>livehub');
  });
});

describe('compaction by another node', () => {
  it('stops a replay it overtook with resync_required instead of skipping, and the retry resets', async () => {
    const tmp = tempDir();
    defer(async () => tmp.cleanup());
    const store = new LaggyStore(new SqliteStore({ file: `${tmp.dir}/other.db`, durability: 'normal' }), 30);
    const hub = await hubOn({ store, retention: { maxChanges: 1e6, intervalMs: 600_000 }, replayPageSize: 2 });
    for (let i = 0; i < 12; i++) await hub.collections.create('ev', { id: `e${i}` });
    const c = await TestClient.connect(hub.url);
    c.send({ type: 'subscribe', id: 'r', channel: 'ev', since: 0, epoch: store.epoch });
    await c.waitFor((m) => m.type === 'subscribed' && m.id === 'r');
    // Another node sharing the database knows nothing of this replay's pin.
    await store.compact({ maxChanges: 3, maxAgeMs: 1e12 }, Number.MAX_SAFE_INTEGER);
    const err = await c.waitFor((m) => m.type === 'error' && m.id === 'r', { timeoutMs: 10_000 });
    expect(err.code).toBe('resync_required');
    const seqs = c.events('ev').map((e) => e.seq!);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const again = await c.subscribe('ev', { since: seqs.at(-1) ?? 0, epoch: store.epoch });
    expect(again.reset).toBe(true);
    c.close();
  });
});

describe('authentication seam', () => {
  // A token scheme of the test's own: "good-<sub>" is accepted, anything else refused.
  const authenticator: Authenticator = {
    async authenticate(token) {
      // `ops` is the admin: it reads /api/hub/*, an admin surface on a hub with auth.
      if (token?.startsWith('good-')) return { sub: token.slice(5), exp: 4102444800, ...(token === 'good-ops' ? { admin: true } : {}) };
      throw new HubError('unauthenticated', 'bad token');
    },
  };

  it('takes the token from ?token= or Authorization, refuses others with 4401, refreshes with auth', async () => {
    const hub = await hubOn({ authenticator });
    const ok = await TestClient.connect(hub.url, { query: 'token=good-alice' });
    // The HTTP API asks the same authenticator.
    expect((await api(hub.url, 'GET', '/api/hub/clients')).status).toBe(401);
    const clients = await api(hub.url, 'GET', '/api/hub/clients', undefined, { authorization: 'Bearer good-ops' });
    expect(clients.body.clients[0]).toMatchObject({ sub: 'alice', transport: 'websocket' });

    ok.send({ type: 'auth', token: 'good-alice' });
    const authed = await ok.waitFor((m) => m.type === 'authed');
    expect(authed).toMatchObject({ sub: 'alice', exp: 4102444800 });

    await expect(TestClient.connect(hub.url, { query: 'token=bad' })).rejects.toThrow(/4401/);
    ok.send({ type: 'auth', token: 'bad' });
    expect(await ok.closed()).toBe(CloseCode.Unauthenticated);
  });

  it('keeps frames a client sends before a slow authentication finishes', async () => {
    // Set once the hub's socket has read data after the upgrade: the early frames (`ws` has handled them by then).
    let framesArrived: Promise<void> = Promise.resolve();
    // Decides only once the early frames have reached the hub, so they wait in its queue.
    const slow: Authenticator = { authenticate: async () => (await framesArrived, { sub: 'late' }) };
    const hub = await hubOn({ authenticator: slow });
    framesArrived = new Promise((resolve) => hub.app.server.once('upgrade', (_req, socket: Duplex) => socket.once('data', () => resolve())));
    const ws = new WebSocket(hub.url.replace('http', 'ws') + '/ws');
    const got: Array<{ type: string }> = [];
    ws.on('message', (d) => got.push(...[JSON.parse(wsText(d))].flat()));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, channel: 'early' }));
    ws.send(JSON.stringify({ type: 'ping', id: 2 }));
    await waitFor(() => got.length >= 3, 'three replies', 2000).catch(() => undefined);
    expect(got.map((m) => m.type)).toEqual(['welcome', 'subscribed', 'pong']);
    ws.close();
  });
});
