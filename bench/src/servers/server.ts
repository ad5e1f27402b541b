/**
 * The server side of every benchmark, run as a child process (one core for the server, one for the
 * load in the parent). `node --expose-gc dist/servers/server.js <kind> '<json options>'`, then
 * commands over the IPC channel: { id, cmd, args } → { id, ok, result | error }.
 *
 * kind: `livehub` (createHub on a SQLite file), `ws` (a plain ws broadcast server with a minimal
 * channel map) or `socketio` (Socket.IO 4, websocket transport only, rooms).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { Session } from 'node:inspector';
import { rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rawText } from '../lib/raw-data.js';
import type { LivehubServer, Change } from '@livehub/server';
import type * as ServerModule from '@livehub/server';

/**
 * The livehub under test: the workspace's @livehub/server, or another build of it when
 * BENCH_LIVEHUB=<path to a packages/server folder with dist/> (A/B runs, frozen snapshots).
 */
const { createHub } = (await (process.env.BENCH_LIVEHUB
  ? import(pathToFileURL(join(process.env.BENCH_LIVEHUB, 'dist', 'index.js')).href)
  : import('@livehub/server'))) as typeof ServerModule;

export type ServerKind = 'livehub' | 'ws' | 'socketio';

export interface ServerOptions {
  /** process.hrtime.bigint() of the parent at start, as a string: both sides measure from it. */
  clockBase: string;
  /** livehub only. */
  db?: string;
  durability?: 'full' | 'normal';
  replayPageSize?: number;
}

export type PublishMode = 'burst' | 'tick' | 'paced';

export interface PublishArgs {
  channel: string;
  event: string;
  mode: PublishMode;
  count: number;
  /** Messages per second in `paced` mode. */
  rate: number;
  pad: string;
  run: number;
  /** livehub only: publish as a durable change (hub.collections.patch of `bench/r1`) instead of an ephemeral event. */
  durable: boolean;
}

export interface BenchPayload {
  run: number;
  n: number;
  /** Milliseconds since the shared clock base, taken just before the publish call. */
  t: number;
  pad: string;
}

const kind = process.argv[2] as ServerKind;
const opts = JSON.parse(process.argv[3] ?? '{}') as ServerOptions;
const base = BigInt(opts.clockBase);
const nowMs = () => Number(process.hrtime.bigint() - base) / 1e6;

interface Contender {
  port: number;
  publish(channel: string, event: string, data: BenchPayload, durable: boolean): void | Promise<unknown>;
  stop(): Promise<void>;
}

function listen(http: HttpServer): Promise<number> {
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)));
}

/* ---------- contenders ---------- */

let livehub: LivehubServer | undefined;

async function startLivehub(): Promise<Contender> {
  const server = createHub({
    port: 0,
    host: '127.0.0.1',
    db: opts.db!,
    durability: opts.durability ?? 'normal',
    logLevel: 'warn',
    ...(opts.replayPageSize ? { replayPageSize: opts.replayPageSize } : {}),
    // Every benchmark client comes from 127.0.0.1: lift the per-address cap (default 1,000).
    // A BENCH_LIVEHUB build older than the `limits` option refuses the key: BENCH_NO_LIMITS=1 for it.
    ...(process.env.BENCH_NO_LIMITS ? {} : { limits: { maxConnectionsPerAddress: 1_000_000, httpRequestsPerSecond: 1_000_000, httpRequestBurst: 1_000_000 } }),
  });
  await server.start();
  livehub = server;
  const port = Number(new URL(server.url).port);
  return {
    port,
    publish: (channel, event, data, durable) => (durable ? server.collections.patch('bench', 'r1', data) : server.publish(channel, event, data)),
    stop: () => server.stop(),
  };
}

/** The baseline a team would hand-roll: a channel map, JSON.stringify once, ws.send to each. */
async function startWs(): Promise<Contender> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  const rooms = new Map<string, Set<WebSocket>>();
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (ws) => {
    const mine = new Set<string>();
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('message', (raw) => {
      let m: { type?: string; channel?: string };
      try {
        m = JSON.parse(rawText(raw)) as typeof m;
      } catch {
        return;
      }
      if (m.type === 'subscribe' && typeof m.channel === 'string') {
        let set = rooms.get(m.channel);
        if (!set) rooms.set(m.channel, (set = new Set()));
        set.add(ws);
        mine.add(m.channel);
        ws.send(JSON.stringify({ type: 'subscribed', channel: m.channel }));
      }
    });
    ws.on('close', () => {
      for (const ch of mine) {
        const set = rooms.get(ch);
        set?.delete(ws);
        if (set?.size === 0) rooms.delete(ch);
      }
    });
  });
  // Same 25 s heartbeat as the other two.
  const beat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, 25_000);
  beat.unref();
  const port = await listen(http);
  return {
    port,
    publish(channel, event, data) {
      const set = rooms.get(channel);
      if (!set) return;
      const frame = JSON.stringify({ channel, event, data });
      for (const ws of set) ws.send(frame);
    },
    async stop() {
      clearInterval(beat);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

async function startSocketIo(): Promise<Contender> {
  const http = createServer();
  const io = new SocketIoServer(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  io.on('connection', (socket) => {
    socket.on('subscribe', (channel: unknown) => {
      if (typeof channel !== 'string') return;
      void socket.join(channel);
      socket.emit('subscribed', channel);
    });
  });
  const port = await listen(http);
  return {
    port,
    publish(channel, event, data) {
      io.to(channel).emit(event, data);
    },
    async stop() {
      io.disconnectSockets(true);
      await new Promise<void>((r) => void io.close(() => r()));
    },
  };
}

/* ---------- commands ---------- */

let contender: Contender;

function publishAll(a: PublishArgs): Promise<{ t0: number; t1: number }> {
  const t0 = nowMs();
  const one = (n: number): void | Promise<unknown> => contender.publish(a.channel, a.event, { run: a.run, n, t: nowMs(), pad: a.pad }, a.durable);
  if (a.mode === 'burst') {
    // Everything in one macrotask: whatever the server coalesces per tick, it may.
    const pending: Array<Promise<unknown>> = [];
    for (let n = 0; n < a.count; n++) {
      const p = one(n);
      if (p) pending.push(p);
    }
    return Promise.all(pending).then(() => ({ t0, t1: nowMs() }));
  }
  return new Promise((resolve, reject) => {
    let n = 0;
    if (a.mode === 'tick') {
      // One publish per event-loop turn: no contender can coalesce two messages into one write.
      // The next publish is scheduled once this one has been handed to the sockets (for a durable
      // change: after its commit), so it lands behind this message's own flush.
      const step = (): void => {
        Promise.resolve(one(n++)).then(() => {
          if (n < a.count) setImmediate(step);
          else resolve({ t0, t1: nowMs() });
        }, reject);
      };
      setImmediate(step);
      return;
    }
    // paced: a steady rate well under saturation, for latency without a backlog.
    const periodMs = 1000 / a.rate;
    const step = (): void => {
      Promise.resolve(one(n++)).catch(reject);
      if (n >= a.count) return resolve({ t0, t1: nowMs() });
      setTimeout(step, Math.max(0, t0 + n * periodMs - nowMs()));
    };
    step();
  });
}

function gcAndMeasure(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the server child with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage();
}

async function seed(a: { collection: string; count: number; pad: string }): Promise<{ ms: number; head: number; epoch: string }> {
  const server = livehub!;
  const t0 = nowMs();
  // 256 creates in flight at a time: fast whether or not the store groups commits.
  for (let n = 0; n < a.count;) {
    const batch: Array<Promise<unknown>> = [];
    for (const end = Math.min(a.count, n + 256); n < end; n++)
      batch.push(server.collections.create(a.collection, { n, status: n % 2 ? 'idle' : 'busy', pad: a.pad }));
    await Promise.all(batch);
  }
  const ms = nowMs() - t0;
  return { ms, head: (await server.store.bounds()).head, epoch: server.store.epoch };
}

/**
 * Floors for a resume, in the server process: (1) better-sqlite3 reading the same rows on a second
 * connection and parsing their JSON; (2) the hub's own read path (store.changesSince pages +
 * building and encoding each event) without any socket.
 */
async function readFloors(a: {
  collection: string;
  pageSize: number;
}): Promise<{ rawMs: number; rawRows: number; encodeMs: number; encodeRows: number; encodeBytes: number }> {
  const server = livehub!;
  const db = new Database(opts.db, { readonly: true });
  let t = nowMs();
  let rawRows = 0;
  for (const row of db.prepare('SELECT * FROM changes WHERE collection = ? AND seq > 0 ORDER BY seq').iterate(a.collection) as Iterable<{
    record: string;
    changed: string;
  }>) {
    JSON.parse(row.record);
    JSON.parse(row.changed);
    rawRows++;
  }
  const rawMs = nowMs() - t;
  db.close();

  // The hub's Visibility is private; reach it for an exact encode (falls back to the same shape).
  const visibility = (server.hub as unknown as { visibility?: { changeEvent(c: Change, ch: string): unknown } }).visibility;
  const encode = (c: Change): string =>
    JSON.stringify(
      visibility
        ? visibility.changeEvent(c, a.collection)
        : {
            type: 'event',
            channel: a.collection,
            event: `${c.collection}.${c.action}`,
            seq: c.seq,
            timestamp: c.ts,
            data: {
              id: c.id,
              collection: c.collection,
              action: c.action,
              version: c.version,
              record: { id: c.id, ...c.record.data, version: c.record.version, createdAt: c.record.createdAt, updatedAt: c.record.updatedAt },
            },
          },
    );
  t = nowMs();
  let since = 0;
  let encodeRows = 0;
  let encodeBytes = 0;
  for (;;) {
    const page = await server.store.changesSince(since, { collection: a.collection }, a.pageSize);
    if (page.length === 0) break;
    for (const c of page) encodeBytes += encode(c).length;
    encodeRows += page.length;
    since = page[page.length - 1]!.seq;
  }
  return { rawMs, rawRows, encodeMs: nowMs() - t, encodeRows, encodeBytes };
}

/**
 * Writes through hub.collections for `ms` milliseconds from `concurrency` async loops, each
 * awaiting its own write (1 = serial; more lets a store that groups commits per tick do so).
 */
async function directWrites(a: { collection: string; ms: number; pad: string; concurrency: number }): Promise<{ ops: number; ms: number }> {
  const server = livehub!;
  const t0 = nowMs();
  const end = t0 + a.ms;
  let ops = 0;
  const loop = async (): Promise<void> => {
    while (nowMs() < end) {
      await server.collections.create(a.collection, { n: ops, status: 'idle', pad: a.pad });
      // Let I/O and timers run now and then, as a real server would.
      if (++ops % 100 === 0) await new Promise((r) => setImmediate(r));
    }
  };
  await Promise.all(Array.from({ length: a.concurrency }, loop));
  return { ops, ms: nowMs() - t0 };
}

/** A CPU profile of one phase only (the --cpu-prof flag would cover the whole process). */
let session: Session | undefined;
function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
}
async function profileStart(): Promise<null> {
  session = new Session();
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return null;
}
async function profileStop(file: string): Promise<string> {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  session!.disconnect();
  session = undefined;
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

/**
 * What-if floor for the write path: the same three statements a create runs in SqliteStore
 * (read, insert record, bump the log head, append the change), straight on better-sqlite3, with
 * `batch` creates per transaction (batch > 1 = what group commit would give). The schema comes
 * from SqliteStore itself; the SQL is copied from store/sqlite/statements.ts and apply-mutation.ts.
 */
async function sqliteFloor(a: { ms: number; batch: number; pad: string; durability: 'full' | 'normal' }): Promise<{ ops: number; ms: number }> {
  const { SqliteStore } = (await (process.env.BENCH_LIVEHUB
    ? import(pathToFileURL(join(process.env.BENCH_LIVEHUB, 'dist', 'index.js')).href)
    : import('@livehub/server'))) as typeof ServerModule;
  const file = `${opts.db!}.floor-${a.batch}`;
  await new SqliteStore({ file, durability: a.durability }).close();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${a.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    const get = db.prepare('SELECT * FROM records WHERE collection = ? AND id = ?');
    const insert = db.prepare('INSERT INTO records (collection, id, version, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?)');
    const nextSeq = db.prepare<[], { head: number }>('UPDATE log_state SET head = head + 1 WHERE id = 1 RETURNING head');
    const append = db.prepare(
      'INSERT INTO changes (seq, ts, collection, record_id, action, version, record, previous, changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let n = 0;
    const txn = db.transaction((k: number) => {
      for (let i = 0; i < k; i++) {
        const id = `f${(n++).toString(36).padStart(8, '0')}`;
        const now = new Date().toISOString();
        get.get('floor', id);
        const data = JSON.stringify({ n, status: 'idle', pad: a.pad });
        insert.run('floor', id, 1, now, now, data);
        const seq = nextSeq.get()!.head;
        append.run(seq, now, 'floor', id, 'created', 1, JSON.stringify({ v: 1, c: now, u: now, d: JSON.parse(data) as unknown }), null, '["n","status","pad"]');
      }
    });
    const t0 = nowMs();
    let ops = 0;
    while (nowMs() - t0 < a.ms) {
      txn.immediate(a.batch);
      ops += a.batch;
    }
    return { ops, ms: nowMs() - t0 };
  } finally {
    db.close();
    for (const f of [file, file + '-wal', file + '-shm']) rmSync(f, { force: true });
  }
}

type Command = { id: number; cmd: string; args?: unknown };

async function handle(cmd: string, args: unknown): Promise<unknown> {
  switch (cmd) {
    case 'publish':
      return publishAll(args as PublishArgs);
    case 'cpu':
      return process.cpuUsage();
    case 'profileStart':
      return profileStart();
    case 'profileStop':
      return profileStop((args as { file: string }).file);
    case 'mem':
      return gcAndMeasure();
    case 'heapSnapshot':
      gcAndMeasure();
      return writeHeapSnapshot((args as { file: string }).file);
    case 'seed':
      return seed(args as Parameters<typeof seed>[0]);
    case 'floors':
      return readFloors(args as Parameters<typeof readFloors>[0]);
    case 'writes':
      return directWrites(args as Parameters<typeof directWrites>[0]);
    case 'sqliteFloor':
      return sqliteFloor(args as Parameters<typeof sqliteFloor>[0]);
    case 'prepareDurable':
      await livehub!.collections.create('bench', { id: 'r1', run: -1, n: -1, t: 0, pad: '' });
      return null;
    case 'stop':
      await contender.stop();
      setImmediate(() => process.exit(0));
      return null;
    default:
      throw new Error(`unknown command '${cmd}'`);
  }
}

async function main(): Promise<void> {
  contender = kind === 'livehub' ? await startLivehub() : kind === 'ws' ? await startWs() : kind === 'socketio' ? await startSocketIo() : undefined!;
  if (!contender) throw new Error(`unknown server kind '${kind}'`);
  process.on('message', (m: Command) => {
    handle(m.cmd, m.args).then(
      (result) => process.send!({ id: m.id, ok: true, result }),
      (err: unknown) => process.send!({ id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
  // The parent going away ends the child: a benchmark never leaves a server behind.
  process.on('disconnect', () => process.exit(0));
  process.send!({ id: 0, ok: true, result: { port: contender.port, pid: process.pid } });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
