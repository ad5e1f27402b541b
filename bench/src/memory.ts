/**
 * Memory per idle subscribed connection: N connections, each subscribed to its own channel
 * (`agent:<i>`, a record channel for livehub), then idle. The server child runs with --expose-gc;
 * we force GC before each reading and report the delta per connection of RSS, V8 heap used and
 * external memory (Buffers). Kernel socket buffers are not in any of these.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Args } from './lib/args.js';
import { intFlag, listFlag } from './lib/args.js';
import { ServerChild } from './lib/child.js';
import { closeAll, connectMany, type ClientKind } from './lib/clients.js';
import { heapByConstructor, heapDiffPer } from './lib/heap.js';
import { TMP_DIR, writeResults } from './lib/results.js';
import { fixed, fmt, round, sleep, table } from './lib/stats.js';
import type { ServerKind } from './servers/server.js';

interface MemoryRow {
  contender: ClientKind;
  connections: number;
  rssBytesPerConn: number;
  heapBytesPerConn: number;
  heapTotalBytesPerConn: number;
  externalBytesPerConn: number;
  heapPlusExternalPerConn: number;
  baseline: NodeJS.MemoryUsage;
  loaded: NodeJS.MemoryUsage;
  connectMs: number;
}

const TARGET_BYTES = 7 * 1024;

export async function memory(args: Args): Promise<void> {
  const conns = intFlag(args, 'connections', 3000);
  const idleMs = intFlag(args, 'idle', 1000);
  const contenders = listFlag(args, 'memory-contenders', ['livehub', 'ws', 'socketio']) as ClientKind[];
  const breakdown = args.flags.get('heap-breakdown') === 'true';
  const breakdowns: Record<string, Array<{ what: string; bytesPerConn: number; countPerConn: number }>> = {};
  const params = { connections: conns, idleMs, contenders, warmupConnections: 100, heapBreakdown: breakdown };
  console.log(`\n## memory: ${conns} idle connections, each subscribed to its own channel`);
  const rows: MemoryRow[] = [];

  for (const contender of contenders) {
    const kind: ServerKind = contender.startsWith('livehub') ? 'livehub' : contender.startsWith('socketio') ? 'socketio' : 'ws';
    mkdirSync(TMP_DIR, { recursive: true });
    const db = join(TMP_DIR, `memory-${contender}-${process.pid}.db`);
    const server = await ServerChild.start(kind, kind === 'livehub' ? { db, durability: 'normal' } : {}, 1);
    try {
      // Warm the code paths (JIT, lazily loaded modules) so the baseline is not the cold process.
      const warm = await connectMany(
        contender,
        server.port,
        100,
        (i) => `agent:w${i}`,
        () => undefined,
      );
      closeAll(warm);
      await sleep(500);
      const baseline = await server.call<NodeJS.MemoryUsage>('mem');
      const snapBase = breakdown ? await server.call<string>('heapSnapshot', { file: join(TMP_DIR, `${contender}-base.heapsnapshot`) }) : '';
      const t0 = performance.now();
      const clients = await connectMany(
        contender,
        server.port,
        conns,
        (i) => `agent:${i}`,
        () => undefined,
      );
      const connectMs = round(performance.now() - t0, 0);
      await sleep(idleMs);
      const loaded = await server.call<NodeJS.MemoryUsage>('mem');
      if (breakdown) {
        const snapLoaded = await server.call<string>('heapSnapshot', { file: join(TMP_DIR, `${contender}-loaded.heapsnapshot`) });
        const top = heapDiffPer(heapByConstructor(snapBase), heapByConstructor(snapLoaded), conns, 25);
        breakdowns[contender] = top.map((r) => ({ ...r, bytesPerConn: round(r.bytesPerConn, 0), countPerConn: round(r.countPerConn, 2) }));
        rmSync(snapBase, { force: true });
        rmSync(snapLoaded, { force: true });
      }
      const per = (k: keyof NodeJS.MemoryUsage) => round((loaded[k] - baseline[k]) / conns, 0);
      const row: MemoryRow = {
        contender,
        connections: conns,
        // Writing heap snapshots grows RSS by itself: no RSS figure in --heap-breakdown runs.
        rssBytesPerConn: breakdown ? NaN : per('rss'),
        heapBytesPerConn: per('heapUsed'),
        heapTotalBytesPerConn: per('heapTotal'),
        externalBytesPerConn: per('external'),
        heapPlusExternalPerConn: per('heapUsed') + per('external'),
        baseline,
        loaded,
        connectMs,
      };
      rows.push(row);
      console.log(
        `  ${contender.padEnd(10)} rss ${fmt(row.rssBytesPerConn)} B/conn, heap ${fmt(row.heapBytesPerConn)} B/conn, external ${fmt(row.externalBytesPerConn)} B/conn`,
      );
      closeAll(clients);
      await sleep(300);
    } finally {
      await server.stop();
      for (const f of [db, db + '-wal', db + '-shm']) rmSync(f, { force: true });
    }
  }

  const tables: string[] = [];
  tables.push(
    table(
      `memory per idle subscribed connection (${conns} connections, server child, after forced GC; target ≤ ${TARGET_BYTES} B)`,
      ['contender', 'RSS B/conn', 'heap used B/conn', 'heap total B/conn', 'external B/conn', 'heap used+external B/conn', 'RSS Δ MiB', 'connect ms'],
      rows.map((r) => [
        r.contender,
        r.rssBytesPerConn,
        r.heapBytesPerConn,
        r.heapTotalBytesPerConn,
        r.externalBytesPerConn,
        r.heapPlusExternalPerConn,
        breakdown ? NaN : round((r.loaded.rss - r.baseline.rss) / 2 ** 20, 1),
        r.connectMs,
      ]),
    ),
  );
  const lh = rows.find((r) => r.contender === 'livehub');
  const ratios = rows
    .filter((r) => r !== lh && lh)
    .map((r) => ({
      pair: `livehub / ${r.contender}`,
      rss: round(lh!.rssBytesPerConn / r.rssBytesPerConn, 2),
      heap: round(lh!.heapBytesPerConn / r.heapBytesPerConn, 2),
    }));
  if (lh) {
    tables.push(
      table(
        'memory ratios (<1 = livehub smaller)',
        ['pair', 'RSS ×', 'heap ×'],
        [
          ...ratios.map((r) => [r.pair, fixed(r.rss, 2), fixed(r.heap, 2)]),
          ['livehub / 7 KB target', fixed(lh.rssBytesPerConn / TARGET_BYTES, 2), fixed(lh.heapBytesPerConn / TARGET_BYTES, 2)],
        ],
      ),
    );
  }
  for (const [contender, top] of Object.entries(breakdowns)) {
    tables.push(
      table(
        `heap per connection by constructor, ${contender} (heap snapshots after GC, loaded − baseline, ÷ ${conns})`,
        ['object', 'bytes/conn', 'objects/conn'],
        top.map((r) => [r.what, r.bytesPerConn, fixed(r.countPerConn, 2)]),
      ),
    );
  }
  writeResults('memory', params, { rows, ratios, targetBytes: TARGET_BYTES, heapBreakdown: breakdowns }, tables);
}
