/**
 * Fan-out: N WebSocket clients on one channel; the server publishes K messages (~200-byte JSON
 * payload) and we time until every client has every message.
 *
 * Modes, each on the same connections:
 * - burst: the K publishes in one macrotask (a server that coalesces per tick may batch them);
 * - tick:  one publish per event-loop turn (nobody can coalesce two messages into one write);
 * - paced: a steady rate far below saturation, for publish→receive latency without a backlog.
 *
 * Contenders: livehub (ephemeral hub.publish), livehub-durable (hub.collections.patch of one record,
 * subscribers on its record channel; includes the SQLite commit, durability 'normal'), plain ws
 * (stringify once, ws.send each), Socket.IO (io.to(room).emit, websocket transport). Latency is
 * arrival (load process) minus the payload's timestamp (server process); both read the machine's
 * CLOCK_MONOTONIC from one shared origin.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Args } from './lib/args.js';
import { intFlag, listFlag } from './lib/args.js';
import { ServerChild, selfCpuMs } from './lib/child.js';
import { closeAll, connectMany, wire, type BenchClient, type ClientKind } from './lib/clients.js';
import { TMP_DIR, writeResults } from './lib/results.js';
import { fixed, fmt, percentiles, round, sleep, table } from './lib/stats.js';
import type { BenchPayload, PublishMode, ServerKind } from './servers/server.js';

interface RunState {
  run: number;
  expected: number;
  received: number;
  lat: Float64Array;
  perClient: Int32Array;
  first: number;
  last: number;
  done: () => void;
}

export interface FanoutRow {
  contender: ClientKind;
  mode: PublishMode;
  attempt: number;
  /** Set on the median row of a cell. */
  runs?: number;
  minDeliveriesPerSec?: number;
  maxDeliveriesPerSec?: number;
  clients: number;
  messages: number;
  delivered: number;
  complete: boolean;
  ms: number;
  deliveriesPerSec: number;
  p50: number;
  p99: number;
  max: number;
  serverCpuMs: number;
  serverCpuUsPerDelivery: number;
  loadCpuMs: number;
  /** CPU ÷ wall time of each side: near 100 % means that side was the limit. */
  serverBusyPct: number;
  loadBusyPct: number;
  bytesPerDelivery: number;
  deliveriesPerFrame: number;
}

const serverKindOf = (c: ClientKind): ServerKind => (c.startsWith('livehub') ? 'livehub' : c.startsWith('socketio') ? 'socketio' : 'ws');

/** A `{run,n,t,pad}` payload whose JSON is `bytes` long for typical run/n/t values. */
export function padFor(bytes: number): string {
  const sample = JSON.stringify({ run: 1, n: 100, t: 12345.678901, pad: '' } satisfies BenchPayload);
  return 'x'.repeat(Math.max(0, bytes - sample.length));
}

export async function fanout(args: Args): Promise<void> {
  const clients = intFlag(args, 'clients', 1000);
  const messages = intFlag(args, 'messages', 200);
  const payloadBytes = intFlag(args, 'payload', 200);
  const pacedMessages = intFlag(args, 'paced-messages', 100);
  const pacedRate = intFlag(args, 'paced-rate', 50);
  const timeoutMs = intFlag(args, 'timeout', 60_000);
  const contenders = listFlag(args, 'contenders', ['livehub', 'livehub-durable', 'ws', 'socketio']) as ClientKind[];
  const modes = listFlag(args, 'modes', ['burst', 'tick', 'paced']) as PublishMode[];
  const repeat = Math.max(1, intFlag(args, 'repeat', 3));
  const pacedRepeat = Math.max(1, intFlag(args, 'paced-repeat', 1));
  const pad = padFor(payloadBytes);
  const params = {
    clients,
    messages,
    payloadBytes,
    pacedMessages,
    pacedRate,
    timeoutMs,
    contenders,
    modes,
    repeat,
    pacedRepeat,
    shownRun: 'median deliveries/s of the repeats',
  };
  console.log(`\n## fanout: ${clients} clients × ${messages} messages (${payloadBytes}-byte payload); paced: ${pacedMessages} at ${pacedRate}/s`);

  const rows: FanoutRow[] = [];
  const setup: Array<{ contender: ClientKind; connectMs: number }> = [];
  let state: RunState | undefined;
  const onPayload = (idx: number, p: BenchPayload, at: number): void => {
    const s = state;
    if (!s || p.run !== s.run) return;
    if (s.received === 0) s.first = at;
    s.lat[s.received++] = at - p.t;
    s.perClient[idx]!++;
    s.last = at;
    if (s.received === s.expected) s.done();
  };

  // Every contender is started and connected first; then the runs go round-robin (repeat r of
  // every contender before repeat r+1), so a burst of noise from elsewhere on the machine hits all
  // contenders alike rather than one. The table shows the median run of each cell.
  interface Live {
    contender: ClientKind;
    server: ServerChild;
    conns: BenchClient[];
    channel: string;
    durable: boolean;
    db: string;
  }
  const live: Live[] = [];
  const allRuns: FanoutRow[] = [];
  let run = 0;

  const runOnce = async (l: Live, mode: PublishMode, attempt: number): Promise<FanoutRow> => {
    const { server, contender, channel, durable } = l;
    const count = mode === 'paced' ? pacedMessages : messages;
    const expected = clients * count;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    state = { run: ++run, expected, received: 0, lat: new Float64Array(expected), perClient: new Int32Array(clients), first: 0, last: 0, done };
    wire.frames = 0;
    wire.bytes = 0;
    const cpuServer0 = await server.cpuMs();
    const cpuSelf0 = selfCpuMs();
    let timer: NodeJS.Timeout | undefined;
    const { t0 } = await server.profiled(args.flags.get('profile'), `fanout-${contender}-${mode}-${attempt}`, async () => {
      const started = await server.call<{ t0: number; t1: number }>('publish', { channel, event: 'tick', mode, count, rate: pacedRate, pad, run, durable });
      await Promise.race([finished, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      return started;
    });
    clearTimeout(timer);
    const s = state;
    const loadCpuMs = selfCpuMs() - cpuSelf0;
    const serverCpuMs = (await server.cpuMs()) - cpuServer0;
    state = undefined;
    const ms = s.last - t0;
    const [p50, p99, max] = percentiles(s.lat, s.received, [50, 99, 100]);
    const row: FanoutRow = {
      contender,
      mode,
      attempt,
      clients,
      messages: count,
      delivered: s.received,
      complete: s.received === expected && s.perClient.every((n) => n === count),
      ms: round(ms, 1),
      deliveriesPerSec: round((s.received / ms) * 1000, 0),
      p50: round(p50!, 2),
      p99: round(p99!, 2),
      max: round(max!, 2),
      serverCpuMs: round(serverCpuMs, 1),
      serverCpuUsPerDelivery: round((serverCpuMs * 1000) / Math.max(1, s.received), 3),
      loadCpuMs: round(loadCpuMs, 1),
      serverBusyPct: round((serverCpuMs / ms) * 100, 0),
      loadBusyPct: round((loadCpuMs / ms) * 100, 0),
      // Not counted for the official socket.io-client (it owns its socket).
      bytesPerDelivery: wire.frames ? round(wire.bytes / Math.max(1, s.received), 1) : NaN,
      deliveriesPerFrame: wire.frames ? round(s.received / wire.frames, 2) : NaN,
    };
    console.log(
      `  ${contender.padEnd(16)} ${mode.padEnd(6)} #${attempt} ${fmt(row.deliveriesPerSec).padStart(10)} deliveries/s  p50 ${row.p50} ms  p99 ${row.p99} ms  server ${fixed(row.serverCpuUsPerDelivery, 2)} µs/delivery ${row.complete ? '' : `INCOMPLETE ${s.received}/${expected}`}`,
    );
    await sleep(300);
    return row;
  };

  try {
    mkdirSync(TMP_DIR, { recursive: true });
    for (const contender of contenders) {
      const kind = serverKindOf(contender);
      const durable = contender === 'livehub-durable';
      const db = join(TMP_DIR, `fanout-${contender}-${process.pid}.db`);
      const server = await ServerChild.start(kind, kind === 'livehub' ? { db, durability: 'normal' } : {}, 1);
      const l: Live = { contender, server, conns: [], channel: durable ? 'bench:r1' : 'fanout:room:1', durable, db };
      live.push(l);
      if (durable) await server.call('prepareDurable');
      const c0 = performance.now();
      l.conns = await connectMany(contender, server.port, clients, () => l.channel, onPayload);
      setup.push({ contender, connectMs: round(performance.now() - c0, 0) });
    }
    await sleep(300);
    for (let attempt = 1; attempt <= repeat; attempt++) {
      for (const l of live) {
        for (const mode of modes) {
          if (mode === 'paced' && attempt > pacedRepeat) continue;
          allRuns.push(await runOnce(l, mode, attempt));
        }
      }
    }
  } finally {
    for (const l of live) {
      closeAll(l.conns);
      await l.server.stop();
      for (const f of [l.db, l.db + '-wal', l.db + '-shm']) rmSync(f, { force: true });
    }
  }

  // One row per cell: the run with the median deliveries/s, with the spread over all runs.
  for (const contender of contenders) {
    for (const mode of modes) {
      const cell = allRuns.filter((r) => r.contender === contender && r.mode === mode).sort((a, b) => a.deliveriesPerSec - b.deliveriesPerSec);
      if (cell.length === 0) continue;
      const median = cell[Math.floor((cell.length - 1) / 2)]!;
      rows.push({ ...median, runs: cell.length, minDeliveriesPerSec: cell[0]!.deliveriesPerSec, maxDeliveriesPerSec: cell[cell.length - 1]!.deliveriesPerSec });
    }
  }

  const tables: string[] = [];
  for (const mode of modes) {
    tables.push(
      table(
        `fanout, ${mode}: ${clients} clients × ${mode === 'paced' ? `${pacedMessages} messages at ${pacedRate}/s` : `${messages} messages`}, ${payloadBytes}-byte payload, median of ${mode === 'paced' ? pacedRepeat : repeat} run(s)`,
        [
          'contender',
          'deliveries/s',
          'min–max of runs',
          'wall ms',
          'p50 ms',
          'p99 ms',
          'max ms',
          'server CPU µs/delivery',
          'server busy %',
          'load busy %',
          'bytes/delivery',
          'deliveries/frame',
          'complete',
        ],
        rows
          .filter((r) => r.mode === mode)
          .map((r) => [
            r.contender,
            r.deliveriesPerSec,
            r.runs! > 1 ? `${fmt(r.minDeliveriesPerSec)}–${fmt(r.maxDeliveriesPerSec)}` : '',
            r.ms,
            r.p50,
            r.p99,
            r.max,
            fixed(r.serverCpuUsPerDelivery, 2),
            r.serverBusyPct,
            r.loadBusyPct,
            r.bytesPerDelivery,
            r.deliveriesPerFrame,
            r.complete ? 'yes' : 'NO',
          ]),
      ),
    );
  }

  // Ratios: throughput (higher is better for livehub) and server CPU per delivery (other ÷ livehub).
  const ratios: Array<{ mode: PublishMode; pair: string; throughput: number; cpuEfficiency: number; p50: number }> = [];
  const get = (c: ClientKind, m: PublishMode) => rows.find((r) => r.contender === c && r.mode === m);
  for (const mode of modes) {
    for (const ours of ['livehub', 'livehub-durable'] as ClientKind[]) {
      for (const theirs of ['ws', 'socketio', 'socketio-client'] as ClientKind[]) {
        const a = get(ours, mode);
        const b = get(theirs, mode);
        if (!a || !b) continue;
        ratios.push({
          mode,
          pair: `${ours} / ${theirs}`,
          throughput: round(a.deliveriesPerSec / b.deliveriesPerSec, 2),
          cpuEfficiency: round(b.serverCpuUsPerDelivery / a.serverCpuUsPerDelivery, 2),
          p50: round(a.p50 / b.p50, 2),
        });
      }
    }
  }
  tables.push(
    table(
      'fanout ratios (throughput: deliveries/s ÷; CPU: their server µs/delivery ÷ ours, >1 = livehub cheaper; p50: ours ÷ theirs, <1 = livehub faster)',
      ['mode', 'pair', 'throughput ×', 'server CPU ×', 'p50 latency ×'],
      ratios.map((r) => [r.mode, r.pair, fixed(r.throughput, 2), fixed(r.cpuEfficiency, 2), fixed(r.p50, 2)]),
    ),
  );
  tables.push(
    table(
      'fanout setup (connect + subscribe, 50 handshakes in flight)',
      ['contender', 'ms for all clients'],
      setup.map((s) => [s.contender, s.connectMs]),
    ),
  );
  writeResults('fanout', params, { rows, ratios, setup, allRuns }, tables);
}
