// @vitest-environment jsdom
import type { LivehubClient, LivehubError } from '@livehub/client';
import { livehubKeys, useLiveMutation, useLiveQuery, type LiveList } from '@livehub/react';
import type { QueryClient } from '@tanstack/react-query';
import { act, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { http, liveHubSuite, RequestLog } from './helpers/live-hub.js';
import { renderLive } from './helpers/render.js';

interface Task {
  title: string;
  done: boolean;
}

const suite = liveHubSuite();
let client: LivehubClient | undefined;

function setup(collection: string, conflicts: LivehubError[]) {
  const log = new RequestLog();
  client = suite.client(log);
  const r = renderLive(
    () => ({
      list: useLiveQuery<Task>(collection, { order: 'title' }),
      m: useLiveMutation<Task>(collection, { onConflict: (e) => conflicts.push(e) }),
    }),
    client,
  );
  // Every value the cached list takes, to see the optimistic one even when it lasts a few milliseconds.
  const history: string[][] = [];
  const key = livehubKeys.list(collection, { order: 'title' });
  r.queryClient.getQueryCache().subscribe(() => {
    const data = r.queryClient.getQueryData<LiveList<Task>>(key);
    const titles = data?.items.map((t) => `${t.title}${t.done ? '✓' : ''}`) ?? [];
    if (JSON.stringify(history.at(-1)) !== JSON.stringify(titles)) history.push(titles);
  });
  return { ...r, log, history };
}

describe('useLiveMutation against a real hub', () => {
  it('shows a patch at once, and rolls it back when the hub answers 412', async () => {
    await http(suite.hub.url, 'POST', '/api/c/task', { id: 't1', title: 'write docs', done: false });
    const conflicts: LivehubError[] = [];
    const { result, log, history } = setup('task', conflicts);
    await waitFor(() => expect(result.current.list.data?.items).toHaveLength(1));
    // Someone else writes first: version 2.
    await http(suite.hub.url, 'PATCH', '/api/c/task/t1', { title: 'write the docs' });
    await waitFor(() => expect(result.current.list.data?.items[0]?.version).toBe(2));

    await act(async () => {
      await result.current.m.patch.mutateAsync({ id: 't1', patch: { done: true }, ifVersion: 1 }).catch(() => undefined);
    });
    // TanStack notifies React on a timer: wait for the render rather than assume it.
    await waitFor(() => expect(result.current.m.patch.error?.status).toBe(412));
    expect(conflicts.map((e) => e.code)).toEqual(['version_conflict']);
    expect(history).toContainEqual(['write the docs✓']); // the optimistic value was shown…
    await waitFor(() => expect(result.current.list.data?.items[0]).toMatchObject({ title: 'write the docs', done: false, version: 2 })); // …and taken back
    expect(log.lists('task')).toBe(1);
  });

  it('confirms a patch with the hub record, and the event that follows changes nothing', async () => {
    const { result, log } = setup('task', []);
    await waitFor(() => expect(result.current.list.data?.items).toHaveLength(1));
    const v = result.current.list.data!.items[0]!.version;
    await act(async () => {
      await result.current.m.patch.mutateAsync({ id: 't1', patch: { done: true }, ifVersion: v });
    });
    await waitFor(() => expect(result.current.list.data?.items[0]).toMatchObject({ done: true, version: v + 1 }));
    await waitFor(() => expect(client!.subscription('task')?.position).toBeGreaterThan(0));
    expect(log.lists('task')).toBe(1);
  });

  it('shows a create at once under a placeholder id, then the record the hub made', async () => {
    const { result, history, log } = setup('note', []);
    await waitFor(() => expect(result.current.list.isSuccess).toBe(true));
    await act(async () => {
      await result.current.m.create.mutateAsync({ title: 'b', done: false });
    });
    await act(async () => {
      await result.current.m.create.mutateAsync({ title: 'a', done: false });
    });
    await waitFor(() => expect(result.current.list.data?.items.map((n) => n.title)).toEqual(['a', 'b']));
    expect(result.current.list.data?.items.every((n) => !n.id.startsWith('optimistic-') && n.version === 1)).toBe(true);
    expect(history[1]).toEqual(['b']);
    // The hub's events for both creates arrive too: still two, no duplicate.
    await waitFor(() => expect(client!.subscription('note')?.position).toBeGreaterThanOrEqual(2));
    expect(result.current.list.data?.items).toHaveLength(2);
    expect(log.lists('note')).toBe(1);
  });

  it('rolls a delete back when the hub answers 412, and a duplicate create on 409', async () => {
    await http(suite.hub.url, 'POST', '/api/c/item', { id: 'i1', title: 'keep', done: false });
    const conflicts: LivehubError[] = [];
    const { result, history } = setup('item', conflicts);
    await waitFor(() => expect(result.current.list.data?.items).toHaveLength(1));
    await act(async () => {
      await result.current.m.remove.mutateAsync({ id: 'i1', ifVersion: 7 }).catch(() => undefined);
    });
    expect(history).toContainEqual([]);
    await waitFor(() => expect(result.current.list.data?.items.map((i) => i.id)).toEqual(['i1']));
    await act(async () => {
      await result.current.m.create.mutateAsync({ id: 'i1', title: 'clash', done: true }).catch(() => undefined);
    });
    expect(history).toContainEqual(['clash✓']);
    await waitFor(() => expect(result.current.list.data?.items).toEqual([expect.objectContaining({ id: 'i1', title: 'keep', version: 1 })]));
    expect(conflicts.map((e) => e.status)).toEqual([412, 409]);
  });

  it('does not bring back a record whose delete overtook the create response', async () => {
    const log = new RequestLog();
    const key = livehubKeys.list('race', { order: 'title' });
    // Set once the hook renders; read by the held response.
    const cache: { qc?: QueryClient } = {};
    // The create's response is held until the record's delete (made by someone else) has reached the cache.
    const slowCreate: typeof fetch = async (input, init) => {
      const res = await log.fetch(input, init);
      if ((init?.method ?? 'GET') === 'POST') {
        await http(suite.hub.url, 'DELETE', '/api/c/race/r1');
        await waitFor(() => expect(cache.qc!.getQueryData<LiveList<Task>>(key)?.seq).toBeGreaterThanOrEqual(2));
      }
      return res;
    };
    client = suite.client(log, { fetch: slowCreate });
    const r = renderLive(() => ({ list: useLiveQuery<Task>('race', { order: 'title' }), m: useLiveMutation<Task>('race') }), client);
    cache.qc = r.queryClient;
    await waitFor(() => expect(r.result.current.list.data?.items).toEqual([]));
    await act(async () => {
      await r.result.current.m.create.mutateAsync({ id: 'r1', title: 'short-lived', done: false });
    });
    await waitFor(() => expect(r.result.current.m.create.isSuccess).toBe(true));
    expect(r.result.current.list.data?.items).toEqual([]);
    expect(log.lists('race')).toBe(1);
  });
});
