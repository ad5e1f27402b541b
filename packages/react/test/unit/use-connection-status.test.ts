// @vitest-environment jsdom
import { createClient } from '@livehub/client';
import { LivehubProvider, useConnectionStatus } from '@livehub/react';
import { renderHook } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { describe, expect, it } from 'vitest';

describe('useConnectionStatus with a selector', () => {
  it('answers a new selector with what it picks, though the status has not changed', () => {
    // Never connected: the status stays the same object for the whole test.
    const client = createClient({ url: 'http://127.0.0.1:1', autoConnect: false });
    const wrapper = ({ children }: { children?: ReactNode }) => createElement(LivehubProvider, { client }, children);
    const { result, rerender, unmount } = renderHook(({ suffix }: { suffix: string }) => useConnectionStatus((s) => `${s.state}${suffix}`), {
      wrapper,
      initialProps: { suffix: '-a' },
    });
    expect(result.current).toBe('idle-a');
    rerender({ suffix: '-b' });
    expect(result.current).toBe('idle-b');
    unmount();
    client.close();
  });
});
