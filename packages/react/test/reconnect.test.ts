// @vitest-environment jsdom
import type { LivehubClient } from '@livehub/client';
import { useConnectionStatus, useLiveQuery, useLiveRecord } from '@livehub/react';
import { cleanup, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { http, RequestLog, startLiveHub, testClient, withSideHub, type LiveHub } from './helpers/live-hub.js';
import { renderLive } from './helpers/render.js';

// These tests count list reads. A client that falls back to SSE or long-poll while the hub restarts
// (a slow restart makes every round try every transport) reads lists to take positions, which is
// not a refetch: pin WebSocket so the count is the React layer's alone.
const WS_ONLY = { transports: ['websocket' as const] };

let hub: LiveHub | undefined;
let client: LivehubClient | undefined;
afterEach(async () => {
  cleanup();
  client?.close();
  client = undefined;
  await hub?.cleanup();
  hub = undefined;
});

const ids = (items: { id: string }[] | undefined) => items?.map((r) => r.id);

function useAgents() {
  return {
    status: useConnectionStatus(),
    list: useLiveQuery('agent', { order: 'id' }),
    a1: useLiveRecord('agent', 'a1'),
  };
}

describe('live queries across hub restarts', () => {
  it('resumes after a restart with the changes made meanwhile, and reads nothing again', async () => {
    hub = await startLiveHub();
    await http(hub.url, 'POST', '/api/c/agent', { id: 'a1', name: 'one' });
    await http(hub.url, 'POST', '/api/c/agent', { id: 'a2', name: 'two' });
    const log = new RequestLog();
    client = testClient(hub.url, log, WS_ONLY);
    const { result } = renderLive(useAgents, client);
    await waitFor(() => expect(ids(result.current.list.data?.items)).toEqual(['a1', 'a2']));
    await waitFor(() => expect(client!.subscription('agent')?.state).toBe('subscribed'));
    const reads = log.lists('agent');

    await hub.stop();
    await waitFor(() => {
      expect(result.current.status.state).toBe('reconnecting');
      expect(result.current.status.isConnected).toBe(false);
      expect(result.current.status.reconnectAttempts).toBeGreaterThan(0);
    });

    // Written through the HTTP API of another hub on the same database while this one is down.
    await withSideHub(hub.db, async (url) => {
      await http(url, 'PATCH', '/api/c/agent/a1', { name: 'uno' });
      await http(url, 'DELETE', '/api/c/agent/a2');
      await http(url, 'POST', '/api/c/agent', { id: 'a3', name: 'three' });
    });
    await hub.restart();

    await waitFor(() => {
      expect(result.current.status.state).toBe('connected');
      expect(ids(result.current.list.data?.items)).toEqual(['a1', 'a3']);
      expect(result.current.a1.data).toMatchObject({ name: 'uno', version: 2 });
    });
    expect(log.lists('agent')).toBe(reads); // replayed from the log, not re-read
  });

  it('refetches exactly once when the hub cannot resume (a new database: reset)', async () => {
    hub = await startLiveHub();
    await http(hub.url, 'POST', '/api/c/agent', { id: 'a1', name: 'old' });
    const fresh = hub.newDbFile('replaced.db');
    await withSideHub(fresh, async (url) => {
      await http(url, 'POST', '/api/c/agent', { id: 'a1', name: 'new' });
      await http(url, 'POST', '/api/c/agent', { id: 'b1', name: 'other' });
    });
    const log = new RequestLog();
    client = testClient(hub.url, log, WS_ONLY);
    const { result } = renderLive(useAgents, client);
    await waitFor(() => expect(result.current.a1.data).toMatchObject({ name: 'old' }));
    await waitFor(() => expect(client!.subscription('agent')?.state).toBe('subscribed'));
    const epoch = result.current.status.epoch;
    expect(log.lists('agent')).toBe(2); // the list and the record

    await hub.stop();
    await waitFor(() => expect(result.current.status.state).toBe('reconnecting'));
    await hub.restart(fresh);

    await waitFor(() => {
      expect(result.current.status.state).toBe('connected');
      expect(result.current.status.epoch).not.toBe(epoch);
      expect(ids(result.current.list.data?.items)).toEqual(['a1', 'b1']);
      expect(result.current.a1.data).toMatchObject({ name: 'new' });
    });
    await waitFor(() => expect(result.current.list.isFetching || result.current.a1.isFetching).toBe(false));
    // Barrier: a later change's event has reached the cache, so everything the reset led to has run.
    await http(hub.url, 'PATCH', '/api/c/agent/b1', { name: 'later' });
    await waitFor(() => expect(result.current.list.data?.items.find((r) => r.id === 'b1')).toMatchObject({ name: 'later' }));
    expect(log.lists('agent')).toBe(4); // one more read each, after the reset
  });
});
