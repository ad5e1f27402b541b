// @vitest-environment jsdom
import type { LivehubClient } from '@livehub/client';
import { useChannel, useQueryInvalidation } from '@livehub/react';
import { useQuery } from '@tanstack/react-query';
import { waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { http, liveHubSuite, RequestLog } from './helpers/live-hub.js';
import { renderLive } from './helpers/render.js';

const suite = liveHubSuite();
let client: LivehubClient | undefined;

/** Runs `n` writes, `width` at a time. */
async function writes(n: number, width: number, write: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await write(next++);
    }),
  );
}

describe('useQueryInvalidation against a real hub', () => {
  it('turns a burst of 500 events into one refetch per query key', async () => {
    await http(suite.hub.url, 'POST', '/api/c/agent', { id: 'x1', n: 0 });
    await http(suite.hub.url, 'POST', '/api/c/agent', { id: 'x2', n: 0 });
    client = suite.client(new RequestLog());
    const calls = { agents: 0, x1: 0, x2: 0, other: 0 };
    let events = 0;
    const { result } = renderLive(() => {
      // Seed 001's useAgentSync, as configuration; the large windows keep a slow CI machine's gaps inside one burst.
      useQueryInvalidation({ agent: [['agents'], (e) => ['agent', e.data.id]] }, { debounceMs: 300, maxWaitMs: 20_000 });
      useChannel('agent', () => void events++);
      return {
        agents: useQuery({ queryKey: ['agents'], queryFn: async () => ++calls.agents }),
        x1: useQuery({ queryKey: ['agent', 'x1'], queryFn: async () => ++calls.x1 }),
        x2: useQuery({ queryKey: ['agent', 'x2'], queryFn: async () => ++calls.x2 }),
        other: useQuery({ queryKey: ['other'], queryFn: async () => ++calls.other }),
      };
    }, client);
    await waitFor(() => expect(result.current.agents.data && result.current.x1.data && result.current.x2.data && result.current.other.data).toBe(1));
    await waitFor(() => expect(client!.subscription('agent')?.state).toBe('subscribed'));

    // 500 changes: 499 to x1 and one to x2, from 16 writers at once.
    await writes(500, 16, (i) => http(suite.hub.url, 'PATCH', `/api/c/agent/${i === 250 ? 'x2' : 'x1'}`, { n: i + 1 }));
    await waitFor(() => expect(events).toBe(500), { timeout: 15_000 });
    await waitFor(() => expect(calls).toEqual({ agents: 2, x1: 2, x2: 2, other: 1 }), { timeout: 5_000 });
    // Nothing else is pending: one later change to x2 (a barrier through the same debouncer) refetches
    // its keys once more, and x1's and the unrelated query's counts stay where the burst left them.
    await http(suite.hub.url, 'PATCH', '/api/c/agent/x2', { n: 501 });
    await waitFor(() => expect(events).toBe(501));
    await waitFor(() => expect(calls).toEqual({ agents: 3, x1: 2, x2: 3, other: 1 }), { timeout: 5_000 });
  });

  it('invalidates only for the listed events, and stops when unmounted', async () => {
    await http(suite.hub.url, 'POST', '/api/c/job', { id: 'j1', state: 'new' });
    client = suite.client(new RequestLog());
    let calls = 0;
    let seen = 0;
    const { result, unmount } = renderLive(() => {
      useQueryInvalidation({ job: [['jobs']] }, { events: ['job.deleted'], debounceMs: 20 });
      useChannel('job', () => void seen++);
      return useQuery({ queryKey: ['jobs'], queryFn: async () => ++calls });
    }, client);
    await waitFor(() => expect(result.current.data).toBe(1));
    await waitFor(() => expect(client!.subscription('job')?.state).toBe('subscribed'));
    await http(suite.hub.url, 'PATCH', '/api/c/job/j1', { state: 'run' });
    await http(suite.hub.url, 'DELETE', '/api/c/job/j1');
    await waitFor(() => expect(seen).toBe(2));
    await waitFor(() => expect(calls).toBe(2));
    unmount();
    // The shared subscription ends with its last hook.
    await waitFor(() => expect(client!.subscription('job')).toBeUndefined());
    expect(calls).toBe(2);
  });
});
