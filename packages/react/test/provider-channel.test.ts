// @vitest-environment jsdom
import type { EventMessage, LivehubClient } from '@livehub/client';
import { LivehubProvider, useChannel, useConnectionStatus, useLivehubClient } from '@livehub/react';
import { render, renderHook, waitFor } from '@testing-library/react';
import { createElement, StrictMode, type ReactNode } from 'react';
import { WebSocket as NodeWebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { http, liveHubSuite, RequestLog } from './helpers/live-hub.js';
import { renderLive } from './helpers/render.js';

const suite = liveHubSuite();
let client: LivehubClient | undefined;

describe('LivehubProvider', () => {
  it('creates, connects and closes its own client; StrictMode leaves exactly one open', async () => {
    const seen = new Set<LivehubClient>();
    const Probe = () => {
      seen.add(useLivehubClient());
      return createElement('span', null, useConnectionStatus().state);
    };
    const options = { url: suite.hub.url, WebSocket: NodeWebSocket as never };
    const view = render(createElement(StrictMode, null, createElement(LivehubProvider, { options }, createElement(Probe))));
    await waitFor(() => view.getByText('connected'));
    const open = [...seen].filter((c) => c.state !== 'closed' && c.state !== 'idle');
    expect(open).toHaveLength(1);
    view.unmount();
    expect(open[0]!.state).toBe('closed');
  });

  it('leaves a client it was given open', async () => {
    client = suite.client(new RequestLog());
    const wrapper = ({ children }: { children?: ReactNode }) => createElement(LivehubProvider, { client: client! }, children);
    const { result, unmount } = renderHook(() => useConnectionStatus(), { wrapper });
    await waitFor(() => expect(result.current).toMatchObject({ state: 'connected', isConnected: true, connectionQuality: 'good', reconnectAttempts: 0 }));
    expect(result.current.lastUpdated).toBeInstanceOf(Date);
    unmount();
    expect(client.state).toBe('connected');
  });
});

describe('useConnectionStatus', () => {
  it('re-renders for a selected part of the status only when that part changes', async () => {
    client = suite.client(new RequestLog());
    let renders = 0;
    let full = 0;
    let heard = 0;
    const { result } = renderLive(() => {
      renders++;
      useChannel('tick:tock', () => void heard++);
      return useConnectionStatus((s) => s.state);
    }, client);
    renderLive(() => {
      full++;
      return useConnectionStatus();
    }, client);
    await waitFor(() => expect(result.current).toBe('connected'));
    await waitFor(() => expect(client!.subscription('tick:tock')?.state).toBe('subscribed'));
    const [rendersBefore, fullBefore] = [renders, full];
    for (let i = 0; i < 10; i++) await http(suite.hub.url, 'POST', '/api/publish', { channel: 'tick:tock', event: 'tick' });
    await waitFor(() => expect(heard).toBe(10));
    await waitFor(() => expect(full).toBeGreaterThan(fullBefore)); // lastUpdated moved with every message
    expect(renders).toBe(rendersBefore);
  });
});

describe('useChannel', () => {
  it('shares one subscription among hooks, filters by event name, and unsubscribes with the last one', async () => {
    client = suite.client(new RequestLog());
    const all: EventMessage[] = [];
    const typing: EventMessage[] = [];
    const { unmount } = renderLive(() => {
      useChannel('chat:room:1', (e) => all.push(e));
      useChannel('chat:room:1', (e) => typing.push(e), { events: ['chat.typing'] });
    }, client);
    await waitFor(() => expect(client!.subscription('chat:room:1')?.state).toBe('subscribed'));
    await http(suite.hub.url, 'POST', '/api/publish', { channel: 'chat:room:1', event: 'chat.typing', data: { who: 'ann' } });
    await http(suite.hub.url, 'POST', '/api/publish', { channel: 'chat:room:1', event: 'chat.message', data: { text: 'hi' } });
    await waitFor(() => expect(all.map((e) => e.event)).toEqual(['chat.typing', 'chat.message']));
    expect(typing.map((e) => e.data)).toEqual([{ who: 'ann' }]);
    unmount();
    await waitFor(() => expect(client!.subscription('chat:room:1')).toBeUndefined());
  });

  it('hears system broadcasts without subscribing to system, so unmounting does not stop them', async () => {
    client = suite.client(new RequestLog());
    const got: string[] = [];
    const first = renderLive(() => useChannel('system', (e) => got.push(`a:${e.event}`), { events: ['registry.changed'] }), client);
    await waitFor(() => expect(client!.isConnected).toBe(true));
    await http(suite.hub.url, 'POST', '/api/publish', { channel: 'system', event: 'registry.changed', data: { entryId: 'e1' } });
    await waitFor(() => expect(got).toEqual(['a:registry.changed']));
    first.unmount();
    expect(client.subscription('system')).toBeUndefined();
    renderLive(() => useChannel('system', (e) => got.push(`b:${e.event}`)), client);
    await http(suite.hub.url, 'POST', '/api/publish', { channel: 'system', event: 'registry.changed', data: { entryId: 'e2' } });
    await waitFor(() => expect(got).toEqual(['a:registry.changed', 'b:registry.changed']));
  });

  it('calls the latest handler without resubscribing, and reports a refused channel', async () => {
    client = suite.client(new RequestLog());
    const got: string[] = [];
    const errors: string[] = [];
    let label = 'first';
    const view = renderLive(() => {
      // A new closure each render, over that render's value.
      const mine = label;
      useChannel('news', (e) => got.push(`${mine}:${e.event}`));
      useChannel('Not A Channel', () => undefined, { onError: (e) => errors.push(e.code) });
    }, client);
    await waitFor(() => expect(client!.subscription('news')?.state).toBe('subscribed'));
    const sub = client.subscription('news');
    label = 'second';
    view.rerender();
    await http(suite.hub.url, 'POST', '/api/publish', { channel: 'news', event: 'news.posted' });
    await waitFor(() => expect(got).toEqual(['second:news.posted']));
    expect(client.subscription('news')).toBe(sub);
    expect(errors).toEqual(['invalid_channel']);
  });
});
