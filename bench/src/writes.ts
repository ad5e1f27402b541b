/**
 * Write throughput on SQLite: creates (~200-byte records) through the HTTP API with C keep-alive
 * connections each keeping one request in flight, and through `hub.collections` in the server
 * process with 1 and C writes in flight, for durability 'full' (fsync per commit) and 'normal'.
 * Each cell runs for a fixed time on a fresh database. Floors: the store's own SQL straight on
 * better-sqlite3, 1 and 16 creates per transaction.
 */
import { Agent, request } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Args } from './lib/args.js';
import { intFlag, listFlag } from './lib/args.js';
import { ServerChild } from './lib/child.js';
import { TMP_DIR, writeResults } from './lib/results.js';
import { fixed, fmt, percentiles, round, sleep, table } from './lib/stats.js';
import { padFor } from './fanout.js';

interface WriteRow {
  durability: 'full' | 'normal';
  path: string;
  ops: number;
  errors: number;
  ms: number;
  opsPerSec: number;
  p50: number | null;
  p99: number | null;
  serverCpuPct: number;
}

const TARGET = 5000;

/** POSTs for `ms` milliseconds from `concurrency` loops; latency per request. */
async function httpLoad(server: ServerChild, collection: string, concurrency: number, ms: number, pad: string) {
  const port = server.port;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const lat = new Float64Array(2_000_000);
  let ok = 0;
  let errors = 0;
  let n = 0;
  const post = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/c/${collection}`,
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let measuring = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const body = JSON.stringify({ n: n++, status: 'idle', pad });
      const t = performance.now();
      const status = await post(body).catch(() => 0);
      if (!measuring) continue;
      if (status === 201) {
        if (ok < lat.length) lat[ok] = performance.now() - t;
        ok++;
      } else errors++;
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await sleep(500); // warm-up: connections open, JIT settles
  const cpu0 = await server.cpuMs();
  measuring = true;
  const t0 = performance.now();
  await sleep(ms);
  measuring = false;
  const elapsed = performance.now() - t0;
  const cpuMs = (await server.cpuMs()) - cpu0;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  const [p50, p99] = percentiles(lat, Math.min(ok, lat.length), [50, 99]);
  return { ops: ok, errors, ms: elapsed, p50: p50!, p99: p99!, cpuMs };
}

export async function writes(args: Args): Promise<void> {
  const concurrency = intFlag(args, 'concurrency', 16);
  const ms = intFlag(args, 'duration', 3000);
  const payloadBytes = intFlag(args, 'payload', 200);
  const durabilities = listFlag(args, 'durability', ['full', 'normal']) as Array<'full' | 'normal'>;
  const floors = args.flags.get('no-floors') !== 'true';
  const pad = padFor(payloadBytes);
  const params = { concurrency, durationMs: ms, payloadBytes, durabilities, op: 'create (POST /api/c/:collection)', floors };
  console.log(`\n## writes: ${ms} ms per cell, HTTP with ${concurrency} keep-alive connections in flight, hub.collections with 1 and ${concurrency} in flight`);
  const rows: WriteRow[] = [];

  for (const durability of durabilities) {
    mkdirSync(TMP_DIR, { recursive: true });
    const db = join(TMP_DIR, `writes-${durability}-${process.pid}.db`);
    const server = await ServerChild.start('livehub', { db, durability }, 1);
    try {
      const h = await server.profiled(args.flags.get('profile'), `writes-http-${durability}`, () => httpLoad(server, 'http', concurrency, ms, pad));
      rows.push({
        durability,
        path: `HTTP POST, ${concurrency} in flight`,
        ops: h.ops,
        errors: h.errors,
        ms: round(h.ms, 0),
        opsPerSec: round((h.ops / h.ms) * 1000, 0),
        p50: round(h.p50, 2),
        p99: round(h.p99, 2),
        serverCpuPct: round((h.cpuMs / h.ms) * 100, 0),
      });
      for (const inFlight of [1, concurrency]) {
        const c0 = await server.cpuMs();
        const d = await server.profiled(args.flags.get('profile'), `writes-direct-${durability}-${inFlight}`, () =>
          server.call<{ ops: number; ms: number }>('writes', { collection: `direct${inFlight}`, ms, pad, concurrency: inFlight }),
        );
        const cpu = (await server.cpuMs()) - c0;
        rows.push({
          durability,
          path: `hub.collections.create, ${inFlight} in flight`,
          ops: d.ops,
          errors: 0,
          ms: round(d.ms, 0),
          opsPerSec: round((d.ops / d.ms) * 1000, 0),
          p50: null,
          p99: null,
          serverCpuPct: round((cpu / d.ms) * 100, 0),
        });
      }
      if (floors) {
        for (const batch of [1, 16]) {
          const f = await server.call<{ ops: number; ms: number }>('sqliteFloor', { ms: Math.round(ms / 2), batch, pad, durability });
          rows.push({
            durability,
            path: `floor: raw SQL, ${batch}/transaction`,
            ops: f.ops,
            errors: 0,
            ms: round(f.ms, 0),
            opsPerSec: round((f.ops / f.ms) * 1000, 0),
            p50: null,
            p99: null,
            serverCpuPct: NaN,
          });
        }
      }
      for (const r of rows.slice(floors ? -5 : -3)) console.log(`  ${durability.padEnd(6)} ${r.path.padEnd(32)} ${fmt(r.opsPerSec).padStart(8)} mutations/s`);
    } finally {
      await server.stop();
      for (const f of [db, db + '-wal', db + '-shm']) rmSync(f, { force: true });
    }
  }

  const tables = [
    table(
      `write throughput on SQLite (creates, ~${payloadBytes}-byte records, ${ms} ms per cell, floors ${Math.round(ms / 2)} ms; target ≥ ${TARGET}/s)`,
      ['durability', 'path', 'mutations/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU %', '÷ 5,000/s target'],
      rows.map((r) => [r.durability, r.path, r.opsPerSec, r.p50 ?? '', r.p99 ?? '', r.errors, r.serverCpuPct, fixed(r.opsPerSec / TARGET, 2)]),
    ),
  ];
  writeResults('writes', params, { rows, target: TARGET }, tables);
}
