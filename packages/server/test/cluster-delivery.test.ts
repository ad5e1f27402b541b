import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, write } from './helpers/cluster.js';
import type { HubProcess } from './helpers/spawn-hub.js';
import { SseTestClient } from './helpers/sse-client.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

// Three `livehub serve` processes on one PostgreSQL database and one Redis, no sticky sessions.
let cluster: Cluster | undefined;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.stop();
  cluster = undefined;
});

async function threeNodes(): Promise<[HubProcess, HubProcess, HubProcess]> {
  cluster = await Cluster.create();
  const [a, b, c] = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
  return [a, b, c];
}

async function ws(node: HubProcess): Promise<TestClient> {
  const c = await TestClient.connect(node.url);
  clients.push(c);
  return c;
}

const seqsOf = (events: Array<{ seq?: number }>) => events.map((e) => e.seq!);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Writes `n` records through `node`, one after another, while the test moves its clients. */
async function writeMany(node: HubProcess, n: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) seqs.push(await write(node, 'card', { i }));
  return seqs;
}

async function metric(node: HubProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('a cluster of three nodes', () => {
  it('delivers a write through node A to subscribers on B and C', async () => {
    const [a, b, c] = await threeNodes();
    const onB = await ws(b);
    const onC = await ws(c);
    await onB.subscribe('card');
    await onC.subscribe('card');
    const seqs = await writeMany(a, 5);
    expect(seqs).toEqual(range(1, 5));
    for (const client of [onB, onC]) {
      await client.until(() => client.events('card').length === 5);
      expect(seqsOf(client.events('card'))).toEqual(range(1, 5));
    }
  });

  it('a WebSocket client moved from B to C mid-stream resumes with no gap and no duplicate', async () => {
    const [a, b, c] = await threeNodes();
    const first = await ws(b);
    await first.subscribe('card', { since: 0 });
    const writing = writeMany(a, 60);
    await first.until(() => first.events('card').length >= 15, 10_000);
    first.close();
    const got = seqsOf(first.events('card'));
    const second = await ws(c);
    await second.subscribe('card', { since: got.at(-1)! });
    await writing;
    await second.until(() => got.length + second.events('card').length >= 60, 10_000);
    const all = [...got, ...seqsOf(second.events('card'))];
    expect(all).toEqual(range(1, 60));
  });

  it('an SSE stream moved from B to C resumes from Last-Event-ID with no gap and no duplicate', async () => {
    const [a, b, c] = await threeNodes();
    const first = await SseTestClient.open(`${b.url}/api/events?channels=card&since=0`);
    clients.push(first);
    const writing = writeMany(a, 40);
    await first.until(() => first.events('card').length >= 10, 10_000);
    first.close();
    // What a browser's EventSource would send on reconnect: the last id it was given.
    const got = seqsOf(first.events('card'));
    const lastId = first.lastEventId;
    expect(lastId).toBeDefined();
    const second = await SseTestClient.open(`${c.url}/api/events?channels=card&since=0`, { 'last-event-id': lastId! });
    clients.push(second);
    await writing;
    await second.until(() => seqsOf(second.events('card')).includes(40), 10_000);
    // Events up to the id the browser held were delivered; the new stream starts after it.
    const kept = got.filter((s) => s <= Number(lastId));
    expect([...kept, ...seqsOf(second.events('card'))]).toEqual(range(1, 40));
  });

  it('long-poll alternating between nodes reads one gapless sequence', async () => {
    const [a, b, c] = await threeNodes();
    const writing = writeMany(a, 30);
    const seen: number[] = [];
    let since = 0;
    for (let i = 0; seen.length < 30; i++) {
      const node = i % 2 === 0 ? b : c;
      const res = await fetch(`${node.url}/api/changes?since=${since}&channels=card&wait=5&limit=7`);
      const body = (await res.json()) as { changes: Array<{ seq: number }>; seq: number };
      seen.push(...body.changes.map((ch) => ch.seq));
      since = body.seq;
    }
    await writing;
    expect(seen).toEqual(range(1, 30));
  });

  it('an ephemeral event published on A reaches B, and never reaches a node without interest', async () => {
    const [a, b, c] = await threeNodes();
    const onB = await ws(b);
    await onB.subscribe('room:1:chat');
    // C has a client, on another channel: it has no interest in room:1:chat.
    const onC = await ws(c);
    await onC.subscribe('room:2:chat');
    const before = await metric(c, 'livehub_ephemeral_events_total');
    const res = await fetch(`${a.url}/api/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'room:1:chat', event: 'chat.message', data: { text: 'hi' } }),
    });
    expect(res.status).toBe(202);
    await onB
      .waitFor((m) => m.type === 'event' && m.channel === 'room:1:chat')
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\nA:\n${a.output()}\nB:\n${b.output()}`);
      });
    // A sentinel C does want: once it arrived, the first event would have too, had it been sent.
    await fetch(`${a.url}/api/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'room:2:chat', event: 'chat.message', data: { text: 'sentinel' } }),
    });
    await onC.waitFor((m) => m.type === 'event' && m.channel === 'room:2:chat');
    await waitFor(async () => (await metric(c, 'livehub_ephemeral_events_total')) === before + 1, 'C counted the sentinel');
    expect(onC.events('room:1:chat')).toEqual([]);
  });
});
