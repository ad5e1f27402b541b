import { describe, expect, it } from 'vitest';
import { createClient, LivehubError } from '../../src/index.js';
import { StatusStore, type ClientStatus } from '../../src/status-store.js';

const base: ClientStatus = {
  state: 'idle',
  isConnected: false,
  connectionQuality: 'poor',
  lastUpdated: null,
  reconnectAttempts: 0,
  transport: null,
  clientId: undefined,
  epoch: undefined,
  rttMs: undefined,
};

describe('StatusStore', () => {
  it('keeps one frozen snapshot until changed, and notifies once per turn however many changes', async () => {
    let current = base;
    const store = new StatusStore(() => current);
    const s1 = store.getSnapshot();
    expect(Object.isFrozen(s1)).toBe(true);
    expect(store.getSnapshot()).toBe(s1);
    let calls = 0;
    // Unbound use, as useSyncExternalStore calls them.
    const { subscribe, getSnapshot } = store;
    const off = subscribe(() => calls++);
    current = { ...base, state: 'connecting' };
    store.changed();
    store.changed();
    store.changed();
    await Promise.resolve();
    expect(calls).toBe(1);
    expect(getSnapshot()).not.toBe(s1);
    expect(getSnapshot().state).toBe('connecting');
    off();
    store.changed();
    await Promise.resolve();
    expect(calls).toBe(1);
  });
});

describe('client.subscribe is for channels only', () => {
  it('a listener function is refused with invalid_channel (status listeners go to client.status.subscribe)', () => {
    const c = createClient({ url: 'http://127.0.0.1:9', autoConnect: false });
    try {
      const call = () => c.subscribe((() => undefined) as unknown as string);
      expect(call).toThrow(LivehubError);
      expect(call).toThrow(/Invalid channel/);
      expect(typeof c.status.subscribe).toBe('function');
    } finally {
      c.close();
    }
  });
});
