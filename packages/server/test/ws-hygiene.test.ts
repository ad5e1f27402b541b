import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, SUBPROTOCOL } from '@livehub/protocol';
import { api, startHub } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { wsText } from '../../../test/helpers/ws-text.js';

type Hub = Awaited<ReturnType<typeof startHub>>;
type LogLine = Record<string, unknown> & { msg?: string };

/** A pino logger that keeps its JSON lines in memory, so tests can read what the hub logged. */
function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { logger, lines };
}

/** Sends a raw frame and resolves with the next `error` reply after it. */
async function expectError(client: TestClient, frame: string | Buffer, code: string, id?: string | number): Promise<void> {
  const from = client.messages.length;
  if (typeof frame === 'string') client.ws.send(frame);
  else client.ws.send(frame, { binary: true });
  const reply = await client.waitFor((m) => m.type === 'error', { from });
  expect(reply.code, `reply to ${String(frame).slice(0, 80)}`).toBe(code);
  if (id === undefined) expect(reply).not.toHaveProperty('id');
  else expect(reply.id).toBe(id);
}

/** A ping/pong round trip: proves the connection is still open and served. */
async function roundTrip(client: TestClient, id: string): Promise<void> {
  const from = client.messages.length;
  client.send({ type: 'ping', id });
  await client.waitFor((m) => m.type === 'pong' && m.id === id, { from });
}

describe('bad input on one connection', () => {
  const MAX_BAD_FRAMES = 20;
  let hub: Hub;
  let base: string;
  let bystander: TestClient;
  /** Seqs of every agent write acknowledged over HTTP; the bystander must see all of them. */
  const written: number[] = [];

  const writeAgent = async (name: string): Promise<void> => {
    const res = await api(base, 'POST', '/api/c/agent', { name });
    expect(res.status).toBe(201);
    written.push(Number(res.headers.get('x-livehub-seq')));
  };

  beforeAll(async () => {
    hub = await startHub({ maxFrameBytes: 64 * 1024, maxBadFrames: MAX_BAD_FRAMES });
    base = hub.url;
    // Written before the bystander connects: it gets them by replay.
    for (let i = 0; i < 3; i++) await writeAgent(`before-${i}`);
    bystander = await TestClient.connect(base, { clientId: 'bystander' });
    const sub = await bystander.subscribe('agent', { since: 0 });
    expect(sub.replayed).toBe(3);
  });
  afterAll(async () => {
    bystander?.close();
    await hub?.cleanup();
  });

  it('answers every malformed request with its error code and keeps the connection open', async () => {
    const c = await TestClient.connect(base, { clientId: 'offender' });
    const longChannel = 'a'.repeat(300);
    // Parses fine and fits the frame limit, but nests deeper than maxJsonDepth (and than
    // JSON.stringify can go at fan-out): refused before it is parsed, without its id.
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const cases: Array<[frame: string | Buffer, code: string, id?: string | number]> = [
      ['{"type":"ping",', 'bad_json'],
      ['not json at all', 'bad_json'],
      ['42', 'bad_frame'],
      ['[{"type":"ping","id":1}]', 'bad_frame'],
      ['null', 'bad_frame'],
      ['"ping"', 'bad_frame'],
      ['{"type":"teleport","id":"u1"}', 'unknown_type', 'u1'],
      ['{"id":"u2"}', 'unknown_type', 'u2'],
      ['{"type":"subscribe","id":"s1"}', 'bad_frame', 's1'],
      ['{"type":"subscribe","id":2,"channel":"agent","since":-1}', 'bad_frame', 2],
      ['{"type":"subscribe","id":3,"channel":"agent","since":1.5}', 'bad_frame', 3],
      ['{"type":"subscribe","id":4,"channel":"agent","since":"3"}', 'bad_frame', 4],
      // An id the hub cannot echo is dropped from the reply, not echoed as an object.
      ['{"type":"subscribe","id":{"x":1},"channel":"agent"}', 'bad_frame'],
      ['{"type":"publish","id":"p0","channel":"room:1"}', 'bad_frame', 'p0'],
      ...['', longChannel, 'a::b', 'Bad Name', ':x'].map((channel, i): [string, string, string] => [
        JSON.stringify({ type: 'subscribe', id: `ch${i}`, channel }),
        'invalid_channel',
        `ch${i}`,
      ]),
      [JSON.stringify({ type: 'publish', id: 'pc', channel: 'a::b', event: 'ok', data: 1 }), 'invalid_channel', 'pc'],
      ...['', 'bad event', '.x', 'a..b', 'x'.repeat(65), 'a:b'].map((event, i): [string, string, string] => [
        JSON.stringify({ type: 'publish', id: `ev${i}`, channel: 'room:1', event, data: null }),
        'invalid_event',
        `ev${i}`,
      ]),
      [JSON.stringify({ type: 'publish', id: 'r1', channel: 'agent', event: 'agent.updated', data: {} }), 'reserved_event', 'r1'],
      [JSON.stringify({ type: 'publish', id: 'r2', channel: 'agent:a1', event: 'agent.created', data: {} }), 'reserved_event', 'r2'],
      [JSON.stringify({ type: 'publish', id: 'sys', channel: 'system', event: 'hello', data: {} }), 'forbidden', 'sys'],
      [JSON.stringify({ type: 'unsubscribe', id: 'un', channel: 'room:never' }), 'not_subscribed', 'un'],
      [`{"type":"publish","id":"deep","channel":"room:1","event":"x","data":${deep}}`, 'too_deep'],
      [Buffer.from('{"type":"ping"}'), 'binary_unsupported'],
    ];
    // More frames than maxBadFrames are sent, but fewer of them count as protocol errors (the
    // well-formed requests the hub refuses do not), so this client must stay open throughout.
    expect(cases.length).toBeGreaterThan(MAX_BAD_FRAMES);
    for (const [i, [frame, code, id]] of cases.entries()) {
      await expectError(c, frame, code, id);
      await roundTrip(c, `alive-${i}`);
      // Durable events keep flowing to others while this client misbehaves.
      if (i % 4 === 0) await writeAgent(`during-${i}`);
    }

    // Still a working client: subscribe, publish with ack, receive its own ephemeral event.
    expect((await c.subscribe('room:1')).channel).toBe('room:1');
    const from = c.messages.length;
    c.send({ type: 'publish', id: 'good', channel: 'room:1', event: 'chat.message', data: { text: 'hi' } });
    await c.waitFor((m) => m.type === 'ack' && m.id === 'good', { from });
    await c.waitFor((m) => m.type === 'event' && m.channel === 'room:1' && m.event === 'chat.message', { from });
    expect(c.closeCode).toBeUndefined();
    c.close();
  });

  it('closes a client whose frame exceeds maxFrameBytes with 1009, and only that client', async () => {
    const big = await TestClient.connect(base, { clientId: 'big-frame' });
    const other = await TestClient.connect(base, { clientId: 'other' });
    big.send({ type: 'publish', channel: 'room:1', event: 'blob', data: 'x'.repeat(70 * 1024) });
    expect(await big.closed()).toBe(CloseCode.TooBig);
    await writeAgent('after-1009');
    await roundTrip(other, 'other-alive');
    expect(other.closeCode).toBeUndefined();
    other.close();
  });

  it('closes a client that sends a text frame of invalid UTF-8 with 1007, and only that client', async () => {
    const garbled = await TestClient.connect(base, { clientId: 'garbled' });
    const other = await TestClient.connect(base, { clientId: 'other-2' });
    garbled.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    // 1007: invalid frame payload data (RFC 6455); not a protocol error the hub could answer.
    expect(await garbled.closed()).toBe(1007);
    await writeAgent('after-1007');
    await roundTrip(other, 'other-alive');
    expect(other.closeCode).toBeUndefined();
    other.close();
  });

  it('closes a client that floods bad frames with 4400, and only that client', async () => {
    const flood = await TestClient.connect(base, { clientId: 'flooder' });
    const writes = writeAgent('during-flood');
    for (let i = 0; i < MAX_BAD_FRAMES * 3; i++) flood.ws.send(`{bad ${i}`);
    expect(await flood.closed()).toBe(CloseCode.ProtocolError);
    // It was told why before the close: its bad frames were answered, not silently cut.
    expect(flood.messages.filter((m) => m.type === 'error' && m.code === 'bad_json').length).toBeGreaterThanOrEqual(MAX_BAD_FRAMES);
    await writes;
    await writeAgent('after-flood');
  });

  it('serves the next client normally after all of that', async () => {
    const next = await TestClient.connect(base, { clientId: 'next' });
    const sub = await next.subscribe('agent', { since: 0 });
    expect(sub.replayed).toBe(written.length);
    await next.until(() => next.events('agent').length === written.length);
    next.close();
  });

  it('delivered every durable event to the bystander, in order, with no gap', async () => {
    await writeAgent('after-all');
    await bystander.until(() => bystander.events('agent').length >= written.length);
    const seqs = bystander.events('agent').map((e) => e.seq);
    // Only `agent` is written in this hub, so its seqs are the whole log: 1..n, each once.
    expect(written).toEqual(written.map((_, i) => i + 1));
    expect(seqs).toEqual(written);
    expect(bystander.messages.filter((m) => m.type === 'error')).toEqual([]);
    expect(bystander.closeCode).toBeUndefined();
    await roundTrip(bystander, 'bystander-alive');
  });
});

describe('heartbeat and connection logging', () => {
  // Small so the test is quick, not so small that a busy CI core makes a healthy peer look dead.
  const HEARTBEAT_MS = 250;
  let hub: Hub;
  let lines: LogLine[];
  beforeAll(async () => {
    const mem = memoryLogger();
    lines = mem.lines;
    hub = await startHub({ heartbeatMs: HEARTBEAT_MS, logger: mem.logger });
  });
  afterAll(() => hub?.cleanup());

  it('drops a peer that stops answering pings, keeps one that answers, and logs both ends', async () => {
    const healthy = await TestClient.connect(hub.url, { clientId: 'healthy-1' });
    let pings = 0;
    healthy.ws.on('ping', () => pings++);
    // autoPong: false makes this peer ignore the server's pings, like a frozen tab or a dead NAT.
    const silent = new WebSocket(hub.url.replace(/^http/, 'ws') + '/ws', SUBPROTOCOL, {
      headers: { 'x-client-id': 'silent-1' },
      autoPong: false,
    });
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    silent.on('error', () => undefined);

    const code = await Promise.race([silentClosed, sleep(5000).then(() => 'still open')]);
    // Terminated without a close frame: the peer sees an abnormal closure.
    expect(code).toBe(1006);
    await waitFor(() => lines.some((l) => l.msg === 'client disconnected' && l.clientId === 'silent-1'), 'disconnect log');

    // The answering peer outlives several heartbeats (each one cuts a peer silent since the last) and is still served.
    await waitFor(() => pings >= 4 || healthy.closeCode !== undefined, 'four heartbeats on the answering peer');
    expect(healthy.closeCode).toBeUndefined();
    await roundTrip(healthy, 'after-heartbeats');
    healthy.ws.close(1000, 'done here');
    await healthy.closed();
    await waitFor(() => lines.some((l) => l.msg === 'client disconnected' && l.clientId === 'healthy-1'), 'healthy disconnect log');

    const connected = lines.filter((l) => l.msg === 'client connected').map((l) => l.clientId);
    expect(connected).toEqual(expect.arrayContaining(['healthy-1', 'silent-1']));
    const silentGone = lines.find((l) => l.msg === 'client disconnected' && l.clientId === 'silent-1');
    expect(silentGone).toMatchObject({ reason: 'heartbeat timeout' });
    const healthyGone = lines.find((l) => l.msg === 'client disconnected' && l.clientId === 'healthy-1');
    expect(healthyGone).toMatchObject({ code: 1000, reason: 'done here' });
    await waitFor(() => hub.hub.connectionCount === 0, 'no connections left');
  });
});

describe('frames that arrive while the authenticator is still deciding', () => {
  let hub: Hub;
  // Authenticator calls started and returned: "it has decided" is a barrier the tests can wait for.
  const auth = { started: 0, returned: 0 };
  beforeAll(async () => {
    hub = await startHub({
      maxFrameBytes: 4096,
      // Also bounds what a peer may pile up before its welcome.
      maxQueueBytes: 64 * 1024,
      // A real authenticator awaits something (a JWKS fetch, a database); this one just takes its time.
      authenticator: {
        authenticate: async () => {
          auth.started++;
          try {
            await sleep(200);
            // Admin: the test reads /api/hub/clients, an admin surface on a hub with auth.
            return { sub: 'slow', admin: true };
          } finally {
            auth.returned++;
          }
        },
      },
    });
  });
  afterAll(() => hub?.cleanup());

  const open = (clientId: string): WebSocket => {
    const ws = new WebSocket(hub.url.replace(/^http/, 'ws') + '/ws', SUBPROTOCOL, { headers: { 'x-client-id': clientId } });
    ws.on('error', () => undefined);
    return ws;
  };
  const collect = (ws: WebSocket): { messages: Array<Record<string, unknown>>; closed: Promise<number> } => {
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => {
      const parsed: unknown = JSON.parse(wsText(data));
      messages.push(...((Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>));
    });
    return { messages, closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))) };
  };

  it('answers requests sent before the welcome, after the welcome, in order', async () => {
    const ws = open('eager');
    const got = collect(ws);
    const ids = Array.from({ length: 20 }, (_, i) => `early-${i}`);
    ws.on('open', () => {
      for (const id of ids) ws.send(JSON.stringify({ type: 'ping', id }));
    });
    await waitFor(() => got.messages.filter((m) => m.type === 'pong').length === ids.length, 'pongs to the early pings');
    expect(got.messages[0]?.type).toBe('welcome');
    expect(got.messages.slice(1).map((m) => m.id)).toEqual(ids);
    ws.close();
    await got.closed;
  });

  it('closes a peer that piles up more than its budget before the welcome with 1008', async () => {
    const ws = open('early-flood');
    const got = collect(ws);
    const frame = JSON.stringify({ type: 'ping', pad: 'x'.repeat(3000) });
    // ~100 KB, over the 64 KiB budget, all sent while the authenticator is still running.
    ws.on('open', () => {
      for (let i = 0; i < 33; i++) ws.send(frame);
    });
    expect(await Promise.race([got.closed, sleep(5000).then(() => 'still open')])).toBe(CloseCode.Policy);
    expect(got.messages.filter((m) => m.type === 'welcome')).toEqual([]);
    const after = await TestClient.connect(hub.url, { clientId: 'after-flood' });
    await roundTrip(after, 'hub-alive');
    after.close();
  });

  it('closes an oversized early frame with 1009 without taking the hub down', async () => {
    const ws = open('early-big');
    const got = collect(ws);
    ws.on('open', () => ws.send('x'.repeat(5000)));
    expect(await Promise.race([got.closed, sleep(5000).then(() => 'still open')])).toBe(CloseCode.TooBig);
    const after = await TestClient.connect(hub.url, { clientId: 'after-big' });
    await roundTrip(after, 'hub-alive');
    after.close();
  });

  it('forgets a peer that leaves before it was welcomed', async () => {
    const ws = open('early-leaver');
    ws.on('open', () => ws.close(1000, 'changed my mind'));
    await new Promise((resolve) => ws.on('close', resolve));
    // Barrier: the authenticator has finished with the socket already gone (the hub then decided at once).
    await waitFor(() => auth.started > 0 && auth.returned === auth.started, 'the authenticator to decide');
    await waitFor(() => hub.hub.connectionCount === 0, 'no connection left behind');
    const res = await api(hub.url, 'GET', '/api/hub/clients');
    expect(res.body.clients).toEqual([]);
  });
});
