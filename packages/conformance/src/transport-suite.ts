import { afterEach, describe, expect } from 'vitest';
import { CloseCode } from '@livehub/protocol';
import type { LivehubServer } from '@livehub/server';
import { planSuite, registerSuite, type Selection } from './selection.js';

export type ProbeMessage = Record<string, unknown> & { type: string };

/** A connected peer on some transport, subscribed to its channels at open. */
export interface Probe {
  readonly messages: ProbeMessage[];
  waitFor(pred: (m: ProbeMessage) => boolean, timeoutMs?: number): Promise<ProbeMessage>;
  /** Resolves with the close code the transport reported (SSE: the terminal message's `closeCode`). */
  ended(timeoutMs?: number): Promise<number>;
  close(): void;
}

export interface TransportFactory {
  open(hubUrl: string, opts: { channels: string[]; since?: number; epoch?: string; snapshot?: boolean }): Promise<Probe>;
}

/**
 * What the suite uses of a running hub: its URL, its store's epoch, server-side publishing. A
 * `Pick`, not the whole `LivehubServer`, so a hub built from the server's source (its tests) and
 * one from its `dist` (this package's types) both fit.
 */
export type TestHub = Pick<LivehubServer, 'url' | 'store' | 'publish' | 'broadcast'> & { cleanup(): Promise<void> };

export interface HubFactory {
  /** A started hub on a fresh database; `cleanup` stops it and removes the database. */
  start(): Promise<TestHub>;
}

const events = (p: Probe, channel: string) =>
  p.messages.filter((m) => m.type === 'event' && m.channel === channel) as Array<ProbeMessage & { seq?: number; data: Record<string, unknown> }>;
const post = (url: string, path: string, body: unknown, method = 'POST') =>
  fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Every test of the transport suite, by name: what a transport opts in to or skips. */
export const TRANSPORT_TESTS = [
  'replays after since, then delivers live events, in order, once per channel',
  'delivers ephemeral events without seq and system broadcasts to everyone',
  'gives a snapshot exactly at its seq, followed by the live stream',
  'answers a position from another epoch with reset',
  'tells the peer the hub is going away (CloseCode.GoingAway)',
] as const;
export type TransportTestName = (typeof TRANSPORT_TESTS)[number];

interface TransportCtx {
  hubs: HubFactory;
  transport: TransportFactory;
  // Properties, not methods: the cases destructure them, so they must not depend on `this`.
  /** A hub stopped after the test. */
  start: () => Promise<TestHub>;
  /** A probe closed after the test. */
  open: (url: string, opts: Parameters<TransportFactory['open']>[1]) => Promise<Probe>;
}

const cases: Record<TransportTestName, (c: TransportCtx) => Promise<void>> = {
  'replays after since, then delivers live events, in order, once per channel': async ({ start, open }) => {
    const hub = await start();
    for (let i = 0; i < 4; i++) await post(hub.url, '/api/c/agent', { id: `a${i}` });
    const p = await open(hub.url, { channels: ['agent', 'agent:a2'], since: 1, epoch: hub.store.epoch });
    await p.waitFor((m) => m.type === 'subscribed' && m.channel === 'agent:a2');
    await post(hub.url, '/api/c/agent/a2', { n: 1 }, 'PATCH');
    await post(hub.url, '/api/c/agent', { id: 'a4' });
    await p.waitFor((m) => m.type === 'event' && m.seq === 6 && m.channel === 'agent');
    expect(events(p, 'agent').map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
    await p.waitFor((m) => m.type === 'event' && m.seq === 5 && m.channel === 'agent:a2');
    expect(events(p, 'agent:a2').map((e) => e.seq)).toEqual([3, 5]);
    expect(events(p, 'agent')[3]!.data).toMatchObject({ id: 'a2', action: 'updated', version: 2 });
  },
  'delivers ephemeral events without seq and system broadcasts to everyone': async ({ start, open }) => {
    const hub = await start();
    const p = await open(hub.url, { channels: ['session:7'] });
    await p.waitFor((m) => m.type === 'subscribed');
    await hub.publish('session:7', 'session.stream_output', { chunk: 'x' });
    await hub.broadcast('system.notice', { all: true });
    const e = await p.waitFor((m) => m.type === 'event' && m.channel === 'session:7');
    expect(e.seq).toBeUndefined();
    expect(e.data).toEqual({ chunk: 'x' });
    await p.waitFor((m) => m.type === 'event' && m.channel === 'system' && m.event === 'system.notice');
  },
  'gives a snapshot exactly at its seq, followed by the live stream': async ({ start, open }) => {
    const hub = await start();
    await post(hub.url, '/api/c/card', { id: 'k1', v: 1 });
    await post(hub.url, '/api/c/card', { id: 'k2', v: 1 });
    const p = await open(hub.url, { channels: ['card'], snapshot: true });
    const sub = await p.waitFor((m) => m.type === 'subscribed');
    expect(sub.seq).toBe(2);
    expect((sub.snapshot as Array<{ id: string }>).map((r) => r.id)).toEqual(['k1', 'k2']);
    await post(hub.url, '/api/c/card/k1', { v: 2 }, 'PATCH');
    const e = await p.waitFor((m) => m.type === 'event');
    expect(e).toMatchObject({ seq: 3, data: { id: 'k1', record: { v: 2 } } });
  },
  'answers a position from another epoch with reset': async ({ start, open }) => {
    const hub = await start();
    await post(hub.url, '/api/c/x', { id: '1' });
    const p = await open(hub.url, { channels: ['x'], since: 1, epoch: 'e-elsewhere' });
    const sub = await p.waitFor((m) => m.type === 'subscribed');
    expect(sub.reset).toBe(true);
  },
  'tells the peer the hub is going away (CloseCode.GoingAway)': async ({ hubs, transport }) => {
    const hub = await hubs.start();
    const p = await transport.open(hub.url, { channels: ['x'] });
    await p.waitFor((m) => m.type === 'subscribed');
    await hub.cleanup();
    expect(await p.ended()).toBe(CloseCode.GoingAway);
  },
};

/** What every transport delivers identically: the same events, the same seqs, the same guarantees. */
export function runTransportConformance(name: string, transport: TransportFactory, hubs: HubFactory, selection?: Selection<TransportTestName>): void {
  const suite = `Transport conformance: ${name}`;
  const plan = planSuite(suite, TRANSPORT_TESTS, selection);
  describe(suite, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      while (cleanups.length) await cleanups.pop()!();
    });
    const ctx: TransportCtx = {
      hubs,
      transport,
      start: async () => {
        const hub = await hubs.start();
        cleanups.push(() => hub.cleanup());
        return hub;
      },
      open: async (url, opts) => {
        const p = await transport.open(url, opts);
        cleanups.push(() => p.close());
        return p;
      },
    };
    registerSuite(suite, TRANSPORT_TESTS, cases, () => ctx, plan);
  });
}
