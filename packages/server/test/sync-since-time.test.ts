import { describe, expect, it } from 'vitest';
import { api, perTest } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';
import { waitUntil } from './helpers/write-load.js';

type Msg = Record<string, any>;

/** An instant strictly after every change stamped so far: waits (no fixed sleep) for the clock to pass `ts`. */
async function instantAfter(ts: string): Promise<string> {
  await waitUntil(() => new Date().toISOString() > ts, `the clock to pass ${ts}`);
  return new Date().toISOString();
}

/** The same instant written with a +02:00 zone, as an app in another time zone would send it. */
function inPlusTwo(iso: string): string {
  const d = new Date(Date.parse(iso) + 2 * 3600_000).toISOString();
  return d.replace('Z', '+02:00');
}

describe('sync_request and /api/changes with since = an ISO-8601 timestamp (seed 004)', () => {
  const { hub: startHub } = perTest();

  it('answers with the changes committed at or after the instant, in the seq response shape', async () => {
    const hub = await startHub();
    const a = await api(hub.url, 'POST', '/api/c/task', { id: 'a' });
    const t = await instantAfter(a.body.updatedAt as string);
    await waitUntil(() => new Date().toISOString() > t, 'the clock to pass t');
    await api(hub.url, 'POST', '/api/c/task', { id: 'b' });
    await api(hub.url, 'PATCH', '/api/c/task/b', { done: true });

    const c = await TestClient.connect(hub.url);
    c.send({ type: 'sync_request', id: 1, since: t });
    const r = (await c.waitFor((m) => m.type === 'sync_response' && m.id === 1)) as Msg;
    expect(r.changes.map((x: Msg) => [x.seq, x.event, x.data.id])).toEqual([
      [2, 'task.created', 'b'],
      [3, 'task.updated', 'b'],
    ]);
    expect(r).toMatchObject({ seq: 3, epoch: hub.store.epoch, more: false });
    expect(r.reset).toBeUndefined();

    // The same instant in another zone; paged with limit, then continued by seq as usual.
    c.send({ type: 'sync_request', id: 2, since: inPlusTwo(t), limit: 1 });
    const page = (await c.waitFor((m) => m.type === 'sync_response' && m.id === 2)) as Msg;
    expect(page).toMatchObject({ seq: 2, more: true });
    expect(page.changes.map((x: Msg) => x.seq)).toEqual([2]);

    // Inclusive: a change stamped exactly at the instant is in (stamps have millisecond precision).
    const bTs = r.changes[0].timestamp as string;
    c.send({ type: 'sync_request', id: 3, since: bTs });
    const at = (await c.waitFor((m) => m.type === 'sync_response' && m.id === 3)) as Msg;
    expect(at.changes.map((x: Msg) => x.seq)).toEqual([2, 3]);

    // Before everything: the whole log; after everything: nothing, at the head.
    c.send({ type: 'sync_request', id: 4, since: '2000-01-01T00:00:00Z' });
    expect(((await c.waitFor((m) => m.type === 'sync_response' && m.id === 4)) as Msg).changes).toHaveLength(3);
    c.send({ type: 'sync_request', id: 5, since: '2999-01-01T00:00:00.000Z' });
    expect(await c.waitFor((m) => m.type === 'sync_response' && m.id === 5)).toMatchObject({ changes: [], seq: 3, more: false });

    // Over HTTP too (a `+` in a query string must be percent-encoded).
    const http = await api(hub.url, 'GET', `/api/changes?since=${encodeURIComponent(inPlusTwo(t))}`);
    expect(http.status).toBe(200);
    expect(http.body.changes.map((x: Msg) => x.seq)).toEqual([2, 3]);
    expect(http.body).toMatchObject({ seq: 3, more: false });
    c.close();
  });

  it('refuses a timestamp without a zone or garbage with a clear bad_frame (and a 400 over HTTP)', async () => {
    const hub = await startHub();
    const c = await TestClient.connect(hub.url);
    for (const [i, since] of ['2026-01-01T00:00:00', 'yesterday', '2026-02-30T00:00:00Z', ''].entries()) {
      c.send({ type: 'sync_request', id: i, since });
      const err = (await c.waitFor((m) => m.type === 'error' && m.id === i)) as Msg;
      expect(err.code).toBe('bad_frame');
      expect(err.details).toEqual([expect.objectContaining({ path: 'since', message: expect.stringMatching(/ISO-8601 timestamp with a zone/) })]);
    }
    const http = await api(hub.url, 'GET', '/api/changes?since=yesterday');
    expect(http.status).toBe(400);
    expect(http.body.error.code).toBe('invalid_query');
    c.close();
  });

  it('says reset when the log no longer reaches back to the instant (compacted)', async () => {
    const hub = await startHub();
    const first = await api(hub.url, 'POST', '/api/c/task', { id: 'a' });
    const before = await instantAfter(first.body.updatedAt as string);
    await waitUntil(() => new Date().toISOString() > before, 'the clock to pass the instant');
    await api(hub.url, 'POST', '/api/c/task', { id: 'b' });
    const second = await api(hub.url, 'POST', '/api/c/task', { id: 'c' });
    // Keep only the last change: changes 1 and 2 (2 is after `before`) are gone.
    expect(await hub.store.compact({ maxChanges: 1, maxAgeMs: 1e12 }, 3)).toBe(2);
    const c = await TestClient.connect(hub.url);
    c.send({ type: 'sync_request', id: 1, since: before });
    expect(await c.waitFor((m) => m.type === 'sync_response' && m.id === 1)).toMatchObject({ reset: true, changes: [], seq: 3 });
    // An instant after the compacted ones is still served from the log.
    const after = await instantAfter(second.body.updatedAt as string);
    await waitUntil(() => new Date().toISOString() > after, 'the clock to pass the instant');
    await api(hub.url, 'POST', '/api/c/task', { id: 'd' });
    c.send({ type: 'sync_request', id: 2, since: after });
    const r = (await c.waitFor((m) => m.type === 'sync_response' && m.id === 2)) as Msg;
    expect(r.reset).toBeUndefined();
    expect(r.changes.map((x: Msg) => x.seq)).toEqual([4]);
    c.close();
  });
});
