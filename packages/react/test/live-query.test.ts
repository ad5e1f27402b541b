// @vitest-environment jsdom
import type { LivehubClient } from '@livehub/client';
import { useChannel, useLiveQuery, useLiveRecord } from '@livehub/react';
import { waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { http, liveHubSuite, RequestLog } from './helpers/live-hub.js';
import { renderLive } from './helpers/render.js';

interface Agent {
  name: string;
  status: 'idle' | 'busy';
  rank?: number;
}

const suite = liveHubSuite();
let client: LivehubClient | undefined;

const names = (items: { name: string }[] | undefined) => items?.map((a) => a.name);

describe('useLiveQuery / useLiveRecord against a real hub', () => {
  it('applies create, update and delete to the cached lists and record in place, by filter and order, without refetching', async () => {
    await http(suite.hub.url, 'POST', '/api/c/agent', { id: 'a1', name: 'bravo', status: 'idle', rank: 2 });
    await http(suite.hub.url, 'POST', '/api/c/agent', { id: 'a2', name: 'delta', status: 'busy', rank: 4 });
    const log = new RequestLog();
    client = suite.client(log);
    const { result } = renderLive(
      () => ({
        byRank: useLiveQuery<Agent>('agent', { order: '-rank' }),
        idle: useLiveQuery<Agent>('agent', { where: { status: 'idle' }, order: 'name' }),
        a1: useLiveRecord<Agent>('agent', 'a1'),
        a3: useLiveRecord<Agent>('agent', 'a3'),
      }),
      client,
    );
    await waitFor(() => {
      expect(names(result.current.byRank.data?.items)).toEqual(['delta', 'bravo']);
      expect(names(result.current.idle.data?.items)).toEqual(['bravo']);
      expect(result.current.a1.data?.name).toBe('bravo');
      expect(result.current.a3.isSuccess && result.current.a3.data).toBe(null);
    });
    const reads = log.lists('agent');
    expect(reads).toBe(4); // one read per query, nothing else

    // Created elsewhere: inserted where the order puts it, and only into the lists whose filter it matches.
    await http(suite.hub.url, 'POST', '/api/c/agent', { id: 'a3', name: 'alpha', status: 'idle', rank: 3 });
    await http(suite.hub.url, 'POST', '/api/c/agent', { id: 'a4', name: 'echo', status: 'busy', rank: 1 });
    await waitFor(() => {
      expect(names(result.current.byRank.data?.items)).toEqual(['delta', 'alpha', 'bravo', 'echo']);
      expect(names(result.current.idle.data?.items)).toEqual(['alpha', 'bravo']);
      expect(result.current.a3.data?.name).toBe('alpha');
    });

    // Updated: replaced by version, moved by order, and out of a filter it no longer matches.
    await http(suite.hub.url, 'PATCH', '/api/c/agent/a1', { status: 'busy', rank: 9 });
    await waitFor(() => {
      expect(names(result.current.byRank.data?.items)).toEqual(['bravo', 'delta', 'alpha', 'echo']);
      expect(names(result.current.idle.data?.items)).toEqual(['alpha']);
      expect(result.current.a1.data).toMatchObject({ status: 'busy', rank: 9, version: 2 });
    });
    // ...and into a filter it now matches.
    await http(suite.hub.url, 'PATCH', '/api/c/agent/a4', { status: 'idle' });
    await waitFor(() => expect(names(result.current.idle.data?.items)).toEqual(['alpha', 'echo']));

    // Deleted: removed from every list, and the record becomes null.
    await http(suite.hub.url, 'DELETE', '/api/c/agent/a3');
    await waitFor(() => {
      expect(names(result.current.byRank.data?.items)).toEqual(['bravo', 'delta', 'echo']);
      expect(names(result.current.idle.data?.items)).toEqual(['echo']);
      expect(result.current.a3.data).toBe(null);
    });

    // The cache equals what a fresh read returns, and it took no read to get there.
    const fresh = await http(suite.hub.url, 'GET', '/api/c/agent?order=-rank');
    expect(result.current.byRank.data?.items).toEqual(fresh.items);
    expect(log.lists('agent')).toBe(reads);
  });

  it('loses nothing written between the list read and the subscription', async () => {
    const log = new RequestLog();
    client = suite.client(log);
    // Writes race the first read: whatever the read misses must arrive as events after its seq.
    const writing = (async () => {
      for (let i = 0; i < 40; i++) await http(suite.hub.url, 'POST', '/api/c/race', { id: `r${String(i).padStart(2, '0')}`, name: `r${i}`, status: 'idle' });
    })();
    const { result } = renderLive(() => useLiveQuery<Agent>('race', { order: 'id', limit: 100 }), client);
    await writing;
    await waitFor(() => expect(result.current.data?.items.length).toBe(40));
    const fresh = await http(suite.hub.url, 'GET', '/api/c/race?order=id&limit=100');
    expect(result.current.data?.items).toEqual(fresh.items);
    expect(log.lists('race')).toBe(1);
  });

  it('shares the channel with a useChannel that subscribed first, and still loses nothing', async () => {
    const log = new RequestLog();
    client = suite.client(log);
    let heard = 0;
    const writing = (async () => {
      for (let i = 0; i < 30; i++) await http(suite.hub.url, 'POST', '/api/c/shared', { id: `s${String(i).padStart(2, '0')}`, name: `s${i}`, status: 'idle' });
    })();
    // The live-only subscription of useChannel starts wherever the hub is when it arrives; the
    // list must notice when that is after its own read, and read again.
    const { result } = renderLive(() => {
      useChannel('shared', () => void heard++);
      return useLiveQuery<Agent>('shared', { order: 'id', limit: 100 });
    }, client);
    await writing;
    await waitFor(() => expect(result.current.data?.items.length).toBe(30));
    const fresh = await http(suite.hub.url, 'GET', '/api/c/shared?order=id&limit=100');
    expect(result.current.data?.items).toEqual(fresh.items);
    // One subscription feeds both hooks.
    heard = 0;
    await http(suite.hub.url, 'POST', '/api/c/shared', { id: 's99', name: 's99', status: 'idle' });
    await waitFor(() => expect(result.current.data?.items.length).toBe(31));
    await waitFor(() => expect(heard).toBe(1));
  });

  it('refetches a paged list once when records cross its page boundary', async () => {
    for (let i = 1; i <= 5; i++) await http(suite.hub.url, 'POST', '/api/c/paged', { id: `p${i}`, name: `p${i}`, status: 'idle', rank: i });
    const log = new RequestLog();
    client = suite.client(log);
    const { result } = renderLive(() => useLiveQuery<Agent>('paged', { order: 'rank', limit: 3 }), client);
    await waitFor(() => expect(names(result.current.data?.items)).toEqual(['p1', 'p2', 'p3']));
    expect(result.current.data?.nextCursor).toBeDefined();

    // Beyond the page: nothing to do.
    await http(suite.hub.url, 'PATCH', '/api/c/paged/p5', { rank: 50 });
    // Inside the page: placed in order, the page trimmed to its limit, then re-read once for the cursor.
    await http(suite.hub.url, 'POST', '/api/c/paged', { id: 'p0', name: 'p0', status: 'idle', rank: 0 });
    await waitFor(() => expect(names(result.current.data?.items)).toEqual(['p0', 'p1', 'p2']));
    // The re-read lands a render later than its request starts: wait for the data, not for isFetching.
    const fresh = await http(suite.hub.url, 'GET', '/api/c/paged?order=rank&limit=3');
    await waitFor(() => expect(result.current.data?.nextCursor).toBe(fresh.nextCursor));
    expect(result.current.data?.items).toEqual(fresh.items);
    expect(log.lists('paged')).toBe(2);
  });
});

describe('useLiveQuery without a limit', () => {
  it("holds the hub's default page (50) and its next cursor, however many records are created live", async () => {
    for (let i = 0; i < 45; i++) await http(suite.hub.url, 'POST', '/api/c/pagesize', { id: `p${String(i).padStart(2, '0')}`, n: i });
    const log = new RequestLog();
    client = suite.client(log);
    let most = 0;
    const { result } = renderLive(() => {
      const q = useLiveQuery<{ n: number }>('pagesize');
      most = Math.max(most, q.data?.items.length ?? 0);
      return q;
    }, client);
    await waitFor(() => expect(result.current.data?.items).toHaveLength(45));
    expect(result.current.data?.nextCursor).toBeUndefined();

    // Live creations fill the page up to the hub's default size, then it has a next page, as a read says.
    for (let i = 45; i < 60; i++) await http(suite.hub.url, 'POST', '/api/c/pagesize', { id: `p${i}`, n: i });
    const fresh = await http(suite.hub.url, 'GET', '/api/c/pagesize');
    expect(fresh.items).toHaveLength(50);
    expect(fresh.nextCursor).toBeDefined();
    await waitFor(() => {
      expect(result.current.data?.seq).toBeGreaterThanOrEqual(fresh.seq);
      expect(result.current.data?.nextCursor).toBe(fresh.nextCursor);
    });
    expect(result.current.data?.items).toEqual(fresh.items);

    // More creations belong to later pages: the page stays the hub's page.
    for (let i = 60; i < 65; i++) await http(suite.hub.url, 'POST', '/api/c/pagesize', { id: `p${i}`, n: i });
    const later = await http(suite.hub.url, 'GET', '/api/c/pagesize');
    await waitFor(() => expect(result.current.data?.seq).toBeGreaterThanOrEqual(later.seq));
    expect(result.current.data?.items).toEqual(later.items);
    expect(result.current.data?.nextCursor).toBe(later.nextCursor);
    expect(most).toBeLessThanOrEqual(50);
  });
});
