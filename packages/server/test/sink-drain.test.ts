import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { Sink } from '../src/hub/sink.js';
import { Writer } from '../src/hub/writer.js';
import { SseSink } from '../src/transports/sse-sink.js';
import { WsSink } from '../src/transports/ws-sink.js';
import { perTest } from './helpers/hub-fixture.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { wsText } from '../../../test/helpers/ws-text.js';

/** 64 KB messages: a few MB fill the socket buffers of a peer that does not read. */
const FRAME = JSON.stringify({ type: 'event', pad: 'x'.repeat(64 * 1024) });
const LOW_WATER = 256 * 1024;

/**
 * A replay's loop, as the subscribe flow runs it: pages of messages, waiting on `drained()`
 * between pages. Resolves with how many pages went out; `paused` says whether it is parked.
 */
function replay(writer: Writer, pages: number, perPage: number): { done: Promise<void>; sent: () => number; paused: () => boolean } {
  let sent = 0;
  let paused = false;
  const done = (async () => {
    for (let p = 0; p < pages; p++) {
      for (let i = 0; i < perPage; i++) writer.send(FRAME, ++sent);
      paused = true;
      await writer.drained(LOW_WATER);
      paused = false;
    }
  })();
  return { done, sent: () => sent, paused: () => paused };
}

function wire(sink: Sink): Writer {
  const writer = new Writer(sink, 1 << 30, () => {
    throw new Error('overflow');
  });
  let drains = 0;
  sink.onDrain = () => {
    drains++;
    writer.onDrain();
  };
  Object.defineProperty(writer, 'drains', { get: () => drains });
  return writer;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('drain signal of the real sinks', () => {
  const { defer } = perTest();

  it('WsSink: a reader that pauses parks the replay; when it resumes, onDrain fires and the replay continues', async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    defer(() => new Promise<void>((r) => server.close(() => r())));
    defer(() => wss.close());
    const accepted = new Promise<WebSocket>((r) => wss.on('connection', r));
    const port = await listen(server);
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    defer(() => client.terminate());
    let received = 0;
    // The writer batches several messages into one frame (a JSON array).
    client.on('message', (data) => {
      const m: unknown = JSON.parse(wsText(data));
      received += Array.isArray(m) ? m.length : 1;
    });
    const ws = await accepted;
    await new Promise<void>((r) => (client.readyState === client.OPEN ? r() : client.once('open', () => r())));
    // The reader pauses: nothing is read from its socket, so the server's buffers fill.
    client.pause();
    const sink = new WsSink(ws);
    const writer = wire(sink);
    const run = replay(writer, 6, 32);
    await waitFor(() => run.paused() && run.sent() === 64 && sink.bufferedAmount > LOW_WATER, 'the replay parked on a full socket');
    const drainsBefore = (writer as unknown as { drains: number }).drains;
    client.resume();
    await run.done;
    expect((writer as unknown as { drains: number }).drains).toBeGreaterThan(drainsBefore);
    await waitFor(() => received === 6 * 32, 'every message at the reader');
  });

  it('SseSink: a reader that pauses parks the replay; when it resumes, the response drains and the replay continues', async () => {
    let sink: SseSink | undefined;
    const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      sink = new SseSink(res);
    });
    defer(() => new Promise<void>((r) => server.close(() => r())));
    const port = await listen(server);
    const socket = connect(port, '127.0.0.1');
    defer(() => void socket.destroy());
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    await waitFor(() => sink !== undefined && bytes > 0, 'the stream to open');
    socket.pause();
    const writer = wire(sink!);
    const run = replay(writer, 6, 32);
    await waitFor(() => run.paused() && run.sent() === 64 && sink!.bufferedAmount > LOW_WATER, 'the replay parked on a full socket');
    const drainsBefore = (writer as unknown as { drains: number }).drains;
    socket.resume();
    await run.done;
    expect((writer as unknown as { drains: number }).drains).toBeGreaterThan(drainsBefore);
    const total = 6 * 32 * (FRAME.length + 'data: \n\n'.length);
    await waitFor(() => bytes >= total, 'every event at the reader');
  });
});
