import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { api, perTest, startHub, tempDir } from './helpers/hub-fixture.js';
import { LaggyStore } from './helpers/laggy-store.js';
import { WatchedStore } from './helpers/watched-store.js';
import { SseTestClient } from './helpers/sse-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const { hub: hubOn, defer } = perTest();
async function sse(url: string, headers: Record<string, string> = {}) {
  const c = await SseTestClient.open(url, headers);
  defer(() => c.close());
  return c;
}

describe('SSE transport (/api/events)', () => {
  it('sends welcome, one subscribed per channel, replay then live events; ids only once synced', async () => {
    const hub = await hubOn();
    for (let i = 0; i < 3; i++) await api(hub.url, 'POST', '/api/c/agent', { id: `a${i}` });
    const c = await sse(`${hub.url}/api/events?channels=agent,agent:a1,session:9&since=1&epoch=${hub.store.epoch}`);
    await c.until((all) => all.filter((m) => m.type === 'subscribed').length === 3);
    expect(c.messages[0]).toMatchObject({ type: 'welcome', epoch: hub.store.epoch });
    expect(c.messages.filter((m) => m.type === 'subscribed').map((m) => [m.id, m.replayed])).toEqual([
      ['agent', 2],
      ['agent:a1', 1],
      ['session:9', 0],
    ]);
    await api(hub.url, 'PATCH', '/api/c/agent/a1', { x: 1 });
    await hub.publish('session:9', 'session.stream_output', { chunk: 'hi' });
    await c.until((all) => all.filter((m) => m.type === 'event').length === 2 + 1 + 2 + 1);
    expect(c.events('agent').map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(c.events('agent:a1').map((e) => e.seq)).toEqual([2, 4]);
    expect(c.events('session:9')[0]!.data).toEqual({ chunk: 'hi' });
    // Replayed events carry no id; after the sync mark (head 3) live durable ones do.
    const liveIdx = c.messages.findLastIndex((m) => m.type === 'event' && m.seq === 4);
    expect(c.ids.slice(0, liveIdx).every((id) => id === undefined)).toBe(true);
    expect(c.ids[liveIdx]).toBe('4');
    expect(c.lastEventId).toBe('4');
  });

  it('resumes from Last-Event-ID across all channels, and refuses bad channels per channel', async () => {
    const hub = await hubOn();
    const first = await sse(`${hub.url}/api/events?channels=task`);
    await first.waitFor((m) => m.type === 'subscribed');
    for (let i = 0; i < 3; i++) await api(hub.url, 'POST', '/api/c/task', { id: `t${i}` });
    await first.until((all) => all.filter((m) => m.type === 'event').length === 3);
    const lastId = first.lastEventId!;
    first.close();
    for (let i = 3; i < 6; i++) await api(hub.url, 'POST', '/api/c/task', { id: `t${i}` });
    const again = await sse(`${hub.url}/api/events?channels=task,Bad Channel&since=0`, { 'last-event-id': lastId });
    await again.until((all) => all.filter((m) => m.type === 'event').length === 3);
    expect(again.events('task').map((e) => e.data.id)).toEqual(['t3', 't4', 't5']);
    const err = await again.waitFor((m) => m.type === 'error');
    expect(err).toMatchObject({ id: 'Bad Channel', code: 'invalid_channel' });
  });

  it('ends the stream with shutting_down and closeCode 1001 when the hub stops', async () => {
    const hub = await startHub();
    const c = await sse(`${hub.url}/api/events?channels=x`);
    await c.waitFor((m) => m.type === 'subscribed');
    await hub.cleanup();
    await c.endedPromise();
    expect(c.messages.at(-1)).toMatchObject({ type: 'error', code: 'shutting_down', closeCode: 1001 });
  });

  it('shows SSE peers among the hub clients and refuses a bad query with 400', async () => {
    const hub = await hubOn();
    const c = await sse(`${hub.url}/api/events?channels=agent&clientId=tab-sse`);
    await c.waitFor((m) => m.type === 'subscribed');
    const clients = await api(hub.url, 'GET', '/api/hub/clients');
    expect(clients.body.clients).toEqual([expect.objectContaining({ clientId: 'tab-sse', transport: 'sse', channels: ['system', 'agent'] })]);
    const bad = await api(hub.url, 'GET', '/api/events');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_query');
  });
});

describe('SSE edge cases', () => {
  it('resumes each channel from its own @seq, snapshots the ones without, and refuses a bad position', async () => {
    const hub = await hubOn();
    for (let i = 0; i < 4; i++) await api(hub.url, 'POST', '/api/c/agent', { id: `a${i}` });
    await api(hub.url, 'POST', '/api/c/task', { id: 't1' });
    const c = await sse(`${hub.url}/api/events?channels=agent@3,agent:a1@1,task&snapshot=1&epoch=${hub.store.epoch}`);
    await c.until((all) => all.filter((m) => m.type === 'subscribed').length === 3);
    const subs = c.messages.filter((m) => m.type === 'subscribed');
    expect(subs.map((m) => [m.channel, m.replayed, Array.isArray(m.snapshot)])).toEqual([
      ['agent', 1, false],
      ['agent:a1', 1, false],
      ['task', 0, true],
    ]);
    await c.until((all) => all.filter((m) => m.type === 'event').length === 2);
    expect(c.events('agent').map((e) => e.seq)).toEqual([4]);
    expect(c.events('agent:a1').map((e) => e.seq)).toEqual([2]);
    expect((subs[2]!.snapshot as Array<{ id: string }>).map((r) => r.id)).toEqual(['t1']);
    const bad = await api(hub.url, 'GET', '/api/events?channels=agent@x');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/after @/);
  });

  it('puts the id on the last copy of a change, so a resume never skips the record channel copy', async () => {
    const hub = await hubOn();
    await api(hub.url, 'POST', '/api/c/agent', { id: 'a1' });
    const c = await sse(`${hub.url}/api/events?channels=agent,agent:a1`);
    await c.until((all) => all.filter((m) => m.type === 'subscribed').length === 2);
    await api(hub.url, 'PATCH', '/api/c/agent/a1', { x: 1 });
    await c.until((all) => all.filter((m) => m.type === 'event').length === 2);
    const idx = c.messages.map((m, i) => (m.type === 'event' ? i : -1)).filter((i) => i >= 0);
    expect(idx.map((i) => c.ids[i])).toEqual([undefined, '2']);
  });

  it('leaves no subscription behind when the peer leaves while its channels are still subscribing', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const watched = new WatchedStore(new LaggyStore(new SqliteStore({ file: `${tmp.dir}/l.db`, durability: 'normal' }), 20));
    const hub = await hubOn({ store: watched.store });
    const channels = Array.from({ length: 20 }, (_, i) => `c${i}`).join(',');
    const c = await SseTestClient.open(`${hub.url}/api/events?channels=${channels}&since=0`);
    await c.waitFor((m) => m.type === 'subscribed');
    c.close();
    await waitFor(() => hub.hub.connectionCount === 0, 'the stream to leave the hub', 2000).catch(() => undefined);
    // Barrier: the subscribe that was reading when the peer left has returned (and its handler with it).
    await waitFor(() => watched.inFlight === 0, 'the store reads in flight at the close to return');
    expect(hub.hub.connectionCount).toBe(0);
    expect(hub.hub.channels()).toEqual([]);
  });
});

describe('long-poll (/api/changes?wait=)', () => {
  it('returns at once when there are changes, else holds until one arrives on its channels', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const watched = new WatchedStore(new SqliteStore({ file: `${tmp.dir}/p.db`, durability: 'normal' }));
    const hub = await hubOn({ store: watched.store });
    await api(hub.url, 'POST', '/api/c/job', { id: 'j1' });
    const ready = await api(hub.url, 'GET', '/api/changes?channels=job&since=0&wait=20');
    expect(ready.body.changes.map((c: { seq: number }) => c.seq)).toEqual([1]);

    const pending = api(hub.url, 'GET', `/api/changes?channels=job:j2&since=1&wait=20&epoch=${hub.store.epoch}`);
    // Barrier: the poll's first read (empty) has returned, so the poll is now held.
    await waitFor(() => watched.hasReturned('changesSince', ([since, f]) => since === 1 && (f as { id?: string }).id === 'j2'), 'the long-poll to be held');
    // A change on another channel does not answer the poll; the one it waits for does.
    await api(hub.url, 'POST', '/api/c/other', { id: 'o1' });
    await api(hub.url, 'POST', '/api/c/job', { id: 'j2' });
    const got = await pending;
    expect(got.status).toBe(200);
    expect(got.body.changes.map((c: { data: { id: string } }) => c.data.id)).toEqual(['j2']);
    expect(got.body.seq).toBe(3);
  });

  it('answers an empty page with the head when the wait runs out, and is released at shutdown', async () => {
    const tmp = tempDir();
    const watched = new WatchedStore(new SqliteStore({ file: `${tmp.dir}/q.db`, durability: 'normal' }));
    const hub = await startHub({ store: watched.store });
    defer(() => tmp.cleanup());
    const quiet = await api(hub.url, 'GET', '/api/changes?channels=none&since=0&wait=0.2');
    expect(quiet.body).toMatchObject({ changes: [], seq: 0, more: false });
    const readsBefore = watched.returned.filter((c) => c.method === 'changesSince').length;
    const held = api(hub.url, 'GET', '/api/changes?since=0&wait=30');
    // Barrier: the poll's first read (empty) has returned, so the poll is now held.
    await waitFor(() => watched.returned.filter((c) => c.method === 'changesSince').length > readsBefore, 'the long-poll to be held');
    await hub.cleanup();
    const res = await held.catch((err: Error) => ({ status: 0, body: err.message }));
    // Answered (empty) or cut by the closing server; never left hanging for 30 s.
    expect([0, 200, 503]).toContain(res.status);
  });

  it('refuses channels that carry no durable changes', async () => {
    const hub = await hubOn();
    const res = await api(hub.url, 'GET', '/api/changes?channels=run:1:2&wait=1');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_channel');
  });
});
