import type { LivehubClient } from '@livehub/client';
import { LivehubProvider } from '@livehub/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { renderHook, type RenderHookResult } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';

/** A QueryClient without retries or garbage collection timers that outlive a test. */
export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity } } });
}

/** Renders a hook under QueryClientProvider and LivehubProvider, as an app would. */
export function renderLive<R>(
  hook: () => R,
  client: LivehubClient,
  queryClient = testQueryClient(),
): RenderHookResult<R, unknown> & { queryClient: QueryClient } {
  const wrapper = ({ children }: { children?: ReactNode }) =>
    createElement(QueryClientProvider, { client: queryClient }, createElement(LivehubProvider, { client }, children));
  return Object.assign(renderHook(hook, { wrapper }), { queryClient });
}
