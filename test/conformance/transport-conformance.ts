import { afterEach, describe, expect, it } from 'vitest';
import type { LivehubServer } from '../../packages/server/src/index.js';

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

export interface HubFactory {
  start(): Promise<LivehubServer & { cleanup(): Promise<void> }>;
}

const events = (p: Probe, channel: string) => p.messages.filter((m) => m.type === 'event' && m.channel === channel) as Array<ProbeMessage & { seq?: number; data: Record<string, unknown> }>;
const post = (url: string, path: string, body: unknown, method = 'POST') =>
  fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** What every transport delivers identically: the same events, the same seqs, the same guarantees. */
export function runTransportConformance(name: string, transport: TransportFactory, hubs: HubFactory): void {
  describe(`Transport conformance: ${name}`, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      while (cleanups.length) await cleanups.pop()!();
    });
    const start = async () => {
      const hub = await hubs.start();
      cleanups.push(() => hub.cleanup());
      return hub;
    };
    const open = async (url: string, opts: Parameters<TransportFactory['open']>[1]) => {
      const p = await transport.open(url, opts);
      cleanups.push(() => p.close());
      return p;
    };

    it('replays after since, then delivers live events, in order, once per channel', async () => {
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
    });

    it('delivers ephemeral events without seq and system broadcasts to everyone', async () => {
      const hub = await start();
      const p = await open(hub.url, { channels: ['session:7'] });
      await p.waitFor((m) => m.type === 'subscribed');
      await hub.publish('session:7', 'session.stream_output', { chunk: 'x' });
      await hub.broadcast('system.notice', { all: true });
      const e = await p.waitFor((m) => m.type === 'event' && m.channel === 'session:7');
      expect(e.seq).toBeUndefined();
      expect(e.data).toEqual({ chunk: 'x' });
      await p.waitFor((m) => m.type === 'event' && m.channel === 'system' && m.event === 'system.notice');
    });

    it('gives a snapshot exactly at its seq, followed by the live stream', async () => {
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
    });

    it('answers a position from another epoch with reset', async () => {
      const hub = await start();
      await post(hub.url, '/api/c/x', { id: '1' });
      const p = await open(hub.url, { channels: ['x'], since: 1, epoch: 'e-elsewhere' });
      const sub = await p.waitFor((m) => m.type === 'subscribed');
      expect(sub.reset).toBe(true);
    });

    it('tells the peer the hub is going away (1001)', async () => {
      const hub = await hubs.start();
      const p = await transport.open(hub.url, { channels: ['x'] });
      await p.waitFor((m) => m.type === 'subscribed');
      await hub.cleanup();
      expect(await p.ended()).toBe(1001);
    });
  });
}
