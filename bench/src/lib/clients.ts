/**
 * Load-side clients. All three protocols are spoken over the same `ws` client, with the same work per
 * frame (one JSON.parse, then a callback per bench payload), so what differs between contenders is
 * the server. `socketio-client` uses the official socket.io-client instead (heavier per message on
 * the load side; optional).
 */
import WebSocket from 'ws';
import type { ServerMessage } from '@livehub/protocol/core';
import { io as ioClient, type Socket } from 'socket.io-client';
import { CLOCK_BASE } from './child.js';
import { rawBytes, rawText } from './raw-data.js';
import type { BenchPayload } from '../servers/server.js';

export type ClientKind = 'livehub' | 'livehub-durable' | 'ws' | 'socketio' | 'socketio-client';

/** Called once per bench payload; `arrival` is ms since CLOCK_BASE, taken once per frame. */
export type OnPayload = (idx: number, p: BenchPayload, arrival: number) => void;

export interface BenchClient {
  subscribe(channel: string): Promise<void>;
  close(): void;
}

const now = () => Number(process.hrtime.bigint() - CLOCK_BASE) / 1e6;

/** WebSocket frames and bytes received by every bench client of this process (reset by the caller). */
export const wire = { frames: 0, bytes: 0 };
const count = (raw: WebSocket.RawData): void => {
  wire.frames++;
  wire.bytes += rawBytes(raw);
};

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
  });
}

/** livehub protocol v1: welcome, subscribe/subscribed by id, frames are one message or an array. */
async function livehubClient(port: number, idx: number, onPayload: OnPayload, durable: boolean): Promise<BenchClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'livehub.v1', { perMessageDeflate: false });
  let nextId = 1;
  const waiting = new Map<number, Waiter>();
  let welcomed: Waiter | undefined;
  const welcome = new Promise<void>((resolve, reject) => (welcomed = { resolve, reject }));
  const handle = (m: ServerMessage, at: number) => {
    if (m.type === 'event') {
      if (durable) {
        if (m.event === 'bench.updated') onPayload(idx, (m.data as { record: BenchPayload }).record, at);
      } else if (m.event === 'tick') onPayload(idx, m.data as BenchPayload, at);
    } else if (m.type === 'welcome') welcomed!.resolve();
    else if (m.type === 'subscribed' || (m.type === 'error' && m.id !== undefined)) {
      const w = waiting.get(m.id as number);
      waiting.delete(m.id as number);
      if (m.type === 'subscribed') w?.resolve();
      else w?.reject(new Error(`${m.code}: ${m.message}`));
    }
  };
  ws.on('message', (raw) => {
    const at = now();
    count(raw);
    const parsed = JSON.parse(rawText(raw)) as ServerMessage | ServerMessage[];
    if (Array.isArray(parsed)) for (const m of parsed) handle(m, at);
    else handle(parsed, at);
  });
  ws.on('error', () => undefined);
  await opened(ws);
  await welcome;
  return {
    subscribe(channel) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        ws.send(JSON.stringify({ type: 'subscribe', id, channel }));
      });
    },
    close: () => ws.terminate(),
  };
}

/** The plain ws server's minimal protocol: {type:'subscribe',channel} → {type:'subscribed'}; events {channel,event,data}. */
async function wsClient(port: number, idx: number, onPayload: OnPayload): Promise<BenchClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  const waiting = new Map<string, Waiter>();
  ws.on('message', (raw) => {
    const at = now();
    count(raw);
    const m = JSON.parse(rawText(raw)) as { type?: string; channel: string; event?: string; data?: BenchPayload };
    if (m.event === 'tick') onPayload(idx, m.data!, at);
    else if (m.type === 'subscribed') {
      waiting.get(m.channel)?.resolve();
      waiting.delete(m.channel);
    }
  });
  ws.on('error', () => undefined);
  await opened(ws);
  return {
    subscribe(channel) {
      return new Promise((resolve, reject) => {
        waiting.set(channel, { resolve, reject });
        ws.send(JSON.stringify({ type: 'subscribe', channel }));
      });
    },
    close: () => ws.terminate(),
  };
}

/**
 * Socket.IO v4 over a bare WebSocket (Engine.IO protocol 4): `0{…}` open → send `40` (connect to
 * `/`) → `40{sid}`; events are `42["name",data]`; answer server pings `2` with `3`.
 */
async function socketIoRawClient(port: number, idx: number, onPayload: OnPayload): Promise<BenchClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
  const waiting = new Map<string, Waiter>();
  let connected: Waiter | undefined;
  const connect = new Promise<void>((resolve, reject) => (connected = { resolve, reject }));
  ws.on('message', (raw) => {
    const at = now();
    count(raw);
    const s = rawText(raw);
    if (s.startsWith('42')) {
      const [name, data] = JSON.parse(s.slice(2)) as [string, unknown];
      if (name === 'tick') onPayload(idx, data as BenchPayload, at);
      else if (name === 'subscribed') {
        waiting.get(data as string)?.resolve();
        waiting.delete(data as string);
      }
    } else if (s === '2') ws.send('3');
    else if (s.startsWith('0{')) ws.send('40');
    else if (s.startsWith('40')) connected!.resolve();
    else if (s.startsWith('44')) connected!.reject(new Error(`socket.io connect error ${s}`));
  });
  ws.on('error', () => undefined);
  await opened(ws);
  await connect;
  return {
    subscribe(channel) {
      return new Promise((resolve, reject) => {
        waiting.set(channel, { resolve, reject });
        ws.send('42' + JSON.stringify(['subscribe', channel]));
      });
    },
    close: () => ws.terminate(),
  };
}

/** The official socket.io-client, websocket transport only. */
async function socketIoOfficialClient(port: number, idx: number, onPayload: OnPayload): Promise<BenchClient> {
  const socket: Socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
  socket.on('tick', (data: BenchPayload) => onPayload(idx, data, now()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    subscribe(channel) {
      return new Promise((resolve) => {
        const on = (ch: string) => {
          if (ch !== channel) return;
          socket.off('subscribed', on);
          resolve();
        };
        socket.on('subscribed', on);
        socket.emit('subscribe', channel);
      });
    },
    close: () => socket.disconnect(),
  };
}

export function connectClient(kind: ClientKind, port: number, idx: number, onPayload: OnPayload): Promise<BenchClient> {
  switch (kind) {
    case 'livehub':
      return livehubClient(port, idx, onPayload, false);
    case 'livehub-durable':
      return livehubClient(port, idx, onPayload, true);
    case 'ws':
      return wsClient(port, idx, onPayload);
    case 'socketio':
      return socketIoRawClient(port, idx, onPayload);
    case 'socketio-client':
      return socketIoOfficialClient(port, idx, onPayload);
  }
}

/** Opens `n` clients, `concurrency` handshakes at a time, each subscribed to `channelOf(i)`. */
export async function connectMany(
  kind: ClientKind,
  port: number,
  n: number,
  channelOf: (i: number) => string,
  onPayload: OnPayload,
  concurrency = 50,
): Promise<BenchClient[]> {
  const clients = new Array<BenchClient>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const c = await connectClient(kind, port, i, onPayload);
      await c.subscribe(channelOf(i));
      clients[i] = c;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return clients;
}

export function closeAll(clients: BenchClient[]): void {
  for (const c of clients) c?.close();
}
