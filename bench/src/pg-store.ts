/**
 * The PostgreSQL store's write path, below HTTP: creates (~200-byte records) through `mutate` from
 * N stores ("nodes", each its own pool and group commit, all in this process) on one schema, C
 * writes in flight per node, for a fixed time each; beside it the SQLite store (one node, the
 * same load). What it shows is the cluster-wide ceiling of the seq mechanism (docs/scaling.md):
 * one write transaction at a time across all nodes, many mutations per transaction.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresStore, SqliteStore, type Mutation, type Store } from '@livehub/server';
import type { Args } from './lib/args.js';
import { intFlag, listFlag } from './lib/args.js';
import { TMP_DIR, writeResults } from './lib/results.js';
import { percentiles, round, table } from './lib/stats.js';

const URL = process.env.LIVEHUB_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pad = 'x'.repeat(160);

interface Row {
  store: string;
  nodes: number;
  inFlight: number;
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

async function load(stores: Store[], inFlight: number, ms: number): Promise<{ ops: number; p50: number; p99: number }> {
  const lat = new Float64Array(5_000_000);
  let n = 0;
  const end = performance.now() + ms;
  await Promise.all(
    stores.flatMap((store, s) =>
      Array.from({ length: inFlight }, async (_, w) => {
        for (let i = 0; performance.now() < end; i++) {
          const m: Mutation = { op: 'create', collection: 'bench', id: `s${s}w${w}i${i}`, data: { pad, i }, prepare: (d) => d, keepPrevious: false };
          const t = performance.now();
          await store.mutate(m);
          lat[n++] = performance.now() - t;
        }
      }),
    ),
  );
  const [p50, p99] = percentiles(lat, n, [50, 99]);
  return { ops: n, p50: p50!, p99: p99! };
}

export async function pgStore(args: Args): Promise<void> {
  const ms = intFlag(args, 'ms', 5000);
  const nodeCounts = listFlag(args, 'nodes', ['1', '3']).map(Number);
  const inFlight = intFlag(args, 'in-flight', 32);
  const rows: Row[] = [];
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  try {
    for (const nodes of nodeCounts) {
      const schema = `lh_bench_${randomBytes(4).toString('hex')}`;
      const stores = await Promise.all(Array.from({ length: nodes }, () => PostgresStore.open({ url: URL, schema, poolSize: 4 })));
      try {
        const r = await load(stores, inFlight, ms);
        rows.push({ store: 'postgres', nodes, inFlight, ops: r.ops, opsPerSec: round(r.ops / (ms / 1000), 0), p50: round(r.p50), p99: round(r.p99) });
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
    }
  } finally {
    await admin.end();
  }
  for (const durability of ['full', 'normal'] as const) {
    mkdirSync(TMP_DIR, { recursive: true });
    const file = join(TMP_DIR, `pg-store-compare-${durability}.db`);
    const store = new SqliteStore({ file, durability });
    try {
      const r = await load([store], inFlight, ms);
      rows.push({
        store: `sqlite (${durability})`,
        nodes: 1,
        inFlight,
        ops: r.ops,
        opsPerSec: round(r.ops / (ms / 1000), 0),
        p50: round(r.p50),
        p99: round(r.p99),
      });
    } finally {
      await store.close();
      for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-lock`]) rmSync(f, { force: true });
    }
  }
  const out = table(
    `store mutate() throughput, ${ms / 1000} s per row, ${inFlight} in flight per node`,
    ['store', 'nodes', 'ops', 'ops/s', 'p50 ms', 'p99 ms'],
    rows.map((r) => [r.store, r.nodes, r.ops, r.opsPerSec, r.p50, r.p99]),
  );
  writeResults('pg-store', { ms, nodeCounts, inFlight, url: URL.replace(/\/\/[^@]*@/, '//') }, rows, [out]);
}
