import { afterEach, describe, expect, it } from 'vitest';
import { api, startHub } from '../../server/test/helpers/hub-fixture.js';
import { createClient, LivehubError, type ClientStatus, type LivehubClient, type StateChange } from '../src/index.js';
import { freePort } from './helpers/hub-process.js';
import { record } from './helpers/recorder.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function hub(opts: Parameters<typeof startHub>[0] = {}) {
  const h = await startHub(opts);
  cleanups.push(() => h.cleanup());
  return h;
}

function client(opts: Parameters<typeof createClient>[0]): LivehubClient {
  const c = createClient(opts);
  cleanups.push(() => c.close());
  return c;
}

describe('client over WebSocket (in-process hub)', () => {
  it('connects, exposes the seed-003 status fields, and walks idle → connecting → connected → closed', async () => {
    const h = await hub();
    const c = client({ url: h.url, autoConnect: false, clientId: 'tab-1' });
    const states: StateChange<string>[] = [];
    c.on('state', (s) => states.push(s));
    expect(c.status.getSnapshot()).toMatchObject({ state: 'idle', isConnected: false, connectionQuality: 'poor', lastUpdated: null, reconnectAttempts: 0 });
    c.connect();
    await waitFor(() => c.isConnected, 'connected');
    const s = c.status.getSnapshot();
    expect(s).toMatchObject({
      state: 'connected',
      isConnected: true,
      connectionQuality: 'good',
      transport: 'websocket',
      clientId: 'tab-1',
      epoch: h.store.epoch,
    });
    expect(s.lastUpdated).toBeInstanceOf(Date);
    // The snapshot object is stable until something changes (useSyncExternalStore's contract).
    expect(c.status.getSnapshot()).toBe(s);
    c.close();
    expect(c.state).toBe('closed');
    expect(states.map((x) => `${x.from}→${x.to}`)).toEqual(['idle→connecting', 'connecting→connected', 'connected→closed']);
    expect(c.status.getSnapshot()).not.toBe(s);
  });

  it('notifies status listeners once per change burst, with a new immutable snapshot', async () => {
    const h = await hub();
    const c = client({ url: h.url });
    const seen: ClientStatus[] = [];
    const off = c.status.subscribe(() => seen.push(c.status.getSnapshot()));
    await waitFor(() => seen.some((s) => s.isConnected), 'a connected snapshot');
    expect(Object.isFrozen(seen.at(-1))).toBe(true);
    const sub = c.subscribe('agent');
    const rec = record(sub);
    await sub.ready;
    off();
    const n = seen.length;
    let heard = 0;
    c.status.subscribe(() => heard++);
    await c.collection('agent').create({ name: 'x' });
    // Barrier: the create's event arrived (a status change: lastUpdated) and a listener still subscribed heard of it.
    await waitFor(() => rec.events.length === 1 && heard > 0, 'the event, heard by the listener still subscribed');
    expect(seen.length).toBe(n);
  });

  it('delivers a snapshot as the initial reset, then every change once in order, with ephemeral events passing through', async () => {
    const h = await hub();
    await api(h.url, 'POST', '/api/c/agent', { id: 'a1', name: 'one' });
    const c = client({ url: h.url });
    const sub = c.subscribe('agent', { snapshot: true });
    const rec = record(sub);
    await sub.ready;
    expect(sub.state).toBe('subscribed');
    expect(rec.resets).toHaveLength(1);
    expect(rec.resets[0]).toMatchObject({ reason: 'initial', seq: 1 });
    expect(rec.resets[0]!.snapshot!.map((r) => r.id)).toEqual(['a1']);
    const agents = c.collection<{ name: string }>('agent');
    await agents.create({ id: 'a2', name: 'two' });
    await agents.patch('a1', { name: 'uno' });
    await agents.remove('a2');
    await c.publish('agent', 'agent.typing', { who: 'me' });
    await waitFor(() => rec.events.length === 4, '4 events');
    expect(rec.seqs).toEqual([2, 3, 4]);
    expect(rec.events.map((e) => e.event)).toEqual(['agent.created', 'agent.updated', 'agent.deleted', 'agent.typing']);
    expect(rec.events[3]!.seq).toBeUndefined();
    expect([...rec.state.keys()]).toEqual(['a1']);
    expect(rec.state.get('a1')!.name).toBe('uno');
    expect(sub.position).toBe(4);
  });

  it('list then subscribe({ since: list.seq, epoch }) continues from the page with no gap', async () => {
    const h = await hub();
    const c = client({ url: h.url });
    const tasks = c.collection('task');
    for (let i = 0; i < 3; i++) await tasks.create({ id: `t${i}` });
    const page = await tasks.list({ order: 'id' });
    await tasks.create({ id: 't3' });
    const sub = c.subscribe('task', { since: page.seq, epoch: page.epoch });
    const rec = record(sub);
    await tasks.create({ id: 't4' });
    await waitFor(() => rec.seqs.length === 2, 'two events after the page');
    expect(rec.events.map((e) => (e.data as { id: string }).id)).toEqual(['t3', 't4']);
  });

  it('filters event names with `events`, still advancing the position', async () => {
    const h = await hub();
    const c = client({ url: h.url });
    const got: string[] = [];
    const sub = c.subscribe('job', { events: ['job.updated'], onEvent: (e) => got.push(e.event) });
    await sub.ready;
    const jobs = c.collection('job');
    await jobs.create({ id: 'j1' });
    await jobs.patch('j1', { n: 1 });
    await waitFor(() => got.length === 1, 'the update');
    expect(got).toEqual(['job.updated']);
    expect(sub.position).toBe(2);
  });

  it('hears system broadcasts and sendTo on the client, publishes with ack, and refuses bad requests', async () => {
    const h = await hub();
    const c = client({ url: h.url, clientId: 'me-1' });
    const system: string[] = [];
    c.on('event', (e) => system.push(`${e.channel}/${e.event}`));
    await waitFor(() => c.isConnected, 'connected');
    await h.broadcast('registry.changed', { id: 1 });
    await h.sendTo('me-1', 'notice', { text: 'hi' });
    await waitFor(() => system.length === 2, 'system events');
    expect(system).toEqual(['system/registry.changed', 'system/notice']);

    const chat = c.subscribe('chat:room:1');
    const rec = record(chat);
    await chat.ready;
    await c.publish('chat:room:1', 'message.posted', { text: 'hello' });
    await waitFor(() => rec.events.length === 1, 'own message');
    await expect(c.publish('system', 'x.y', {})).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    await expect(c.publish('agent', 'agent.created', {})).rejects.toMatchObject({ code: 'reserved_event' });
    expect(() => c.subscribe('Bad Channel')).toThrow(LivehubError);
    expect(() => c.subscribe('chat:room:1')).toThrow(/already has a subscription/);
  });

  it('closes a subscription the hub refuses, with the error', async () => {
    const h = await hub({ maxSnapshotRecords: 1 });
    await api(h.url, 'POST', '/api/c/big', { id: 'b1' });
    await api(h.url, 'POST', '/api/c/big', { id: 'b2' });
    const c = client({ url: h.url });
    const sub = c.subscribe('big', { snapshot: true });
    const errors: string[] = [];
    sub.on('error', (e) => errors.push(e.code));
    await expect(sub.ready).rejects.toMatchObject({ code: 'snapshot_too_large', status: 413 });
    expect(sub.state).toBe('closed');
    expect(errors).toEqual(['snapshot_too_large']);
    // The channel is free again.
    const again = c.subscribe('big');
    await again.ready;
  });

  it('unsubscribe stops delivery and the subscription ends closed', async () => {
    const h = await hub();
    const c = client({ url: h.url });
    const sub = c.subscribe('note');
    const rec = record(sub);
    const states: string[] = [];
    sub.on('state', (s) => states.push(s.to));
    await sub.ready;
    await api(h.url, 'POST', '/api/c/note', { id: 'n1' });
    await waitFor(() => rec.events.length === 1, 'first note');
    sub.unsubscribe();
    await api(h.url, 'POST', '/api/c/note', { id: 'n2' });
    // A marker on another channel proves the hub has sent everything after the second write.
    const marker = c.subscribe('note:n2');
    await marker.ready;
    expect(rec.events).toHaveLength(1);
    expect(states).toEqual(['subscribed', 'closed']);
    expect(c.subscription('note')).toBeUndefined();
  });

  it('measures RTT with application pings', async () => {
    const h = await hub();
    const c = client({ url: h.url, heartbeatMs: 20 });
    await waitFor(() => c.status.getSnapshot().rttMs !== undefined, 'a pong');
    expect(c.connectionQuality).toBe('good');
  });

  it('skips the backoff wait when the browser comes back online or the tab becomes visible', async () => {
    // A page's `window` and `document`, as far as the client uses them.
    const g = globalThis as Record<string, unknown>;
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    g.addEventListener = win.addEventListener.bind(win);
    g.removeEventListener = win.removeEventListener.bind(win);
    g.document = doc;
    try {
      const port = await freePort();
      const c = client({
        url: `http://127.0.0.1:${port}`,
        transports: ['websocket'],
        reconnect: { initialDelayMs: 600_000, maxDelayMs: 600_000, random: () => 0.99 },
      });
      const plans: number[] = [];
      c.on('reconnect', (r) => plans.push(r.delayMs));
      await waitFor(() => plans.length === 1, 'the first failure');
      expect(plans[0]).toBeGreaterThan(500_000);
      win.dispatchEvent(new Event('online'));
      await waitFor(() => plans.length === 2, 'an attempt right after online');
      doc.visibilityState = 'visible';
      doc.dispatchEvent(new Event('visibilitychange'));
      await waitFor(() => plans.length === 3, 'an attempt right after the tab became visible');
      c.close();
      win.dispatchEvent(new Event('online'));
      expect(c.state).toBe('closed');
      expect(plans).toHaveLength(3);
    } finally {
      delete g.addEventListener;
      delete g.removeEventListener;
      delete g.document;
    }
  });
});
