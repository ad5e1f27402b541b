/**
 * Scale-out: three `livehub serve` processes on one PostgreSQL database and one Redis.
 *  - cross-node delivery: 1,000 WebSocket subscribers spread over the nodes, mutations at a fixed
 *    rate through the nodes in turn; latency = arrival at a subscriber − the POST's start, for every
 *    delivery (the load process holds both clocks).
 *  - aggregate writes: C keep-alive loops per node POSTing for a fixed time, through 3 nodes on
 *    PostgreSQL, beside one node on SQLite (durability full on both).
 * Needs PostgreSQL (LIVEHUB_BENCH_PG, default postgres://postgres@127.0.0.1:5432/test) and Redis
 * (LIVEHUB_BENCH_REDIS, default redis://127.0.0.1:6379). Every database and key prefix it makes is
 * its own and dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import type { Args } from './lib/args.js';
import { intFlag } from './lib/args.js';
import { BENCH_DIR, TMP_DIR, writeResults } from './lib/results.js';
import { fmt, percentiles, round, sleep, table } from './lib/stats.js';

const PG_URL = process.env.LIVEHUB_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.LIVEHUB_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
const CLI = join(process.env.BENCH_LIVEHUB ?? join(BENCH_DIR, '..', 'packages', 'server'), 'bin', 'livehub.js');

interface Node {
  proc: ChildProcess;
  port: number;
}

async function startNode(config: Record<string, unknown>, file: string): Promise<Node> {
  writeFileSync(file, JSON.stringify(config));
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--config', file], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /livehub \S+ on http:\/\/[^\s:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', () => reject(new Error(`node exited:\n${out}`)));
  });
  return { proc, port };
}

async function stopNodes(nodes: Node[]): Promise<void> {
  await Promise.all(
    nodes.map(
      (n) =>
        new Promise<void>((resolve) => {
          if (n.proc.exitCode !== null) return resolve();
          n.proc.once('exit', () => resolve());
          n.proc.kill('SIGTERM');
        }),
    ),
  );
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `lh_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** The seq of each change event in a frame (one event, or a batch of them). */
const EVENT_SEQ_RE = /"event":"card\.created","seq":(\d+)/g;

const limits = { maxConnectionsPerAddress: 1_000_000, httpRequestsPerSecond: 1_000_000, httpRequestBurst: 1_000_000 };

function post(agent: Agent, port: number, body: string): Promise<{ status: number; seq: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/c/card',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, seq: Number(res.headers['x-livehub-seq']) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Cross-node delivery latency at a fixed mutation rate. */
async function delivery(nodes: Node[], subscribers: number, rate: number, count: number) {
  const sent = new Map<number, number>();
  // Matched with the send times at the end: a delivery may beat its POST's response.
  const arrivalSeq = new Float64Array(subscribers * count);
  const arrivalAt = new Float64Array(subscribers * count);
  let delivered = 0;
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: subscribers }, (_, i) => {
      const node = nodes[i % nodes.length]!;
      const ws = new WebSocket(`ws://127.0.0.1:${node.port}/ws`);
      sockets.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('message', (raw: Buffer) => {
          const arrival = performance.now();
          const text = raw.toString();
          // The load side must keep up with 200k deliveries/s: seqs are read with a regex, not JSON.parse.
          if (text.includes('"type":"welcome"')) ws.send(JSON.stringify({ type: 'subscribe', id: 1, channel: 'card' }));
          else if (text.includes('"type":"subscribed"')) resolve();
          for (const m of text.matchAll(EVENT_SEQ_RE)) {
            if (delivered >= arrivalSeq.length) break;
            arrivalSeq[delivered] = Number(m[1]);
            arrivalAt[delivered] = arrival;
            delivered++;
          }
        });
      });
    }),
  );
  const agents = nodes.map(() => new Agent({ keepAlive: true, maxSockets: 8 }));
  const pending: Array<Promise<void>> = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const n = i % nodes.length;
    const start = performance.now();
    pending.push(
      post(agents[n]!, nodes[n]!.port, JSON.stringify({ i, pad: 'x'.repeat(150) })).then((r) => {
        if (r.status !== 201) throw new Error(`write answered ${r.status}`);
        sent.set(r.seq, start);
      }),
    );
  }
  await Promise.all(pending);
  const deadline = performance.now() + 15_000;
  while (delivered < count * subscribers && performance.now() < deadline) await sleep(20);
  for (const s of sockets) s.close();
  for (const a of agents) a.destroy();
  const lat: number[] = [];
  for (let i = 0; i < delivered; i++) {
    const t = sent.get(arrivalSeq[i]!);
    if (t !== undefined) lat.push(arrivalAt[i]! - t);
  }
  const arr = Float64Array.from(lat);
  const [p50, p99, p999, max] = percentiles(arr, arr.length, [50, 99, 99.9, 100]);
  return { subscribers, rate, mutations: count, deliveries: delivered, expected: count * subscribers, matched: lat.length, p50, p99, p999, max };
}

/** Aggregate creates/s through every node, `concurrency` loops each, for `ms`. */
async function throughput(nodes: Node[], concurrency: number, ms: number) {
  let ok = 0;
  let errors = 0;
  let stop = false;
  const agents = nodes.map(() => new Agent({ keepAlive: true, maxSockets: concurrency }));
  const loops = nodes.flatMap((node, n) =>
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const r = await post(agents[n]!, node.port, JSON.stringify({ n, w, i, pad: 'x'.repeat(150) })).catch(() => ({ status: 0, seq: 0 }));
        if (r.status === 201) ok++;
        else errors++;
      }
    }),
  );
  await sleep(500);
  const ok0 = ok;
  const t0 = performance.now();
  await sleep(ms);
  const measured = ok - ok0;
  const elapsed = performance.now() - t0;
  stop = true;
  await Promise.all(loops);
  for (const a of agents) a.destroy();
  return { nodes: nodes.length, concurrency, perSec: (measured * 1000) / elapsed, errors };
}

export async function cluster(args: Args): Promise<void> {
  const subscribers = intFlag(args, 'subscribers', 1000);
  const rate = intFlag(args, 'rate', 200);
  const count = intFlag(args, 'mutations', 2000);
  const concurrency = intFlag(args, 'concurrency', 16);
  const duration = intFlag(args, 'duration', 3000);
  const dir = join(TMP_DIR, 'cluster');
  mkdirSync(dir, { recursive: true });
  const tables: string[] = [];
  const prefix = `lhbench-${randomBytes(4).toString('hex')}`;

  const results = await withDatabase(async (database) => {
    const config = { database, redis: REDIS_URL, redisKeyPrefix: prefix, limits };
    const nodes = await Promise.all([0, 1, 2].map((i) => startNode(config, join(dir, `node-${i}.json`))));
    try {
      console.log(`cluster: delivery, ${subscribers} subscribers over 3 nodes, ${rate} mutations/s × ${count}…`);
      const d = await delivery(nodes, subscribers, rate, count);
      tables.push(
        table(
          `cross-node delivery: HTTP write → every subscriber (3 nodes, PostgreSQL + Redis, ${subscribers} subscribers, ${rate}/s)`,
          ['deliveries', 'of expected', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
          [[d.deliveries, d.expected, round(d.p50!), round(d.p99!), round(d.p999!), round(d.max!)]],
        ),
      );
      console.log(`cluster: writes through 3 nodes, ${concurrency} loops each, ${duration} ms…`);
      const pgRow = await throughput(nodes, concurrency, duration);
      return { d, pgRow };
    } finally {
      await stopNodes(nodes);
    }
  });

  const sqliteDb = join(dir, 'single.db');
  const single = await startNode({ db: sqliteDb, limits }, join(dir, 'single.json'));
  let sqliteRow;
  try {
    sqliteRow = await throughput([single], concurrency * 3, duration);
  } finally {
    await stopNodes([single]);
    rmSync(dir, { recursive: true, force: true });
  }
  tables.push(
    table(
      'aggregate creates/s over HTTP (durability full)',
      ['setup', 'loops', 'creates/s', 'errors'],
      [
        ['3 nodes, PostgreSQL + Redis', results.pgRow.concurrency * 3, round(results.pgRow.perSec, 0), results.pgRow.errors],
        ['1 node, SQLite', concurrency * 3, round(sqliteRow.perSec, 0), sqliteRow.errors],
      ],
    ),
  );
  console.log(`\nratio 3-node PostgreSQL / 1-node SQLite: ${fmt(results.pgRow.perSec / sqliteRow.perSec, 2)}×`);
  writeResults('cluster', { subscribers, rate, count, concurrency, duration }, { delivery: results.d, pg: results.pgRow, sqlite: sqliteRow }, tables);
}
