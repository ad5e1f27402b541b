import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { UNLIMITED_HTTP_RATE } from './hub-fixture.js';
import { killIfRunning, spawnHub, type HubProcess } from './spawn-hub.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

export const PG_ADMIN_URL = process.env.LIVEHUB_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.LIVEHUB_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * One cluster of its own for a test: a fresh PostgreSQL database, a random Redis key prefix, and
 * the `livehub serve` nodes the test starts on them (real processes). `stop` kills what it started
 * and drops the database.
 */
export class Cluster {
  readonly nodes: HubProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'livehub-cluster-'));
  private readonly extra: ChildProcess[] = [];

  private constructor(
    readonly databaseUrl: string,
    private readonly dbName: string,
    readonly prefix: string,
    public redisUrl: string,
  ) {}

  static async create(opts: { redisUrl?: string } = {}): Promise<Cluster> {
    const dbName = `lh_cluster_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.end();
    }
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    return new Cluster(url.toString(), dbName, `lhtest-${randomBytes(6).toString('hex')}`, opts.redisUrl ?? REDIS_URL);
  }

  /** Starts one more node; `port` pins it (to restart a node where its clients expect it). */
  async start(opts: { port?: number; config?: Record<string, unknown> } = {}): Promise<HubProcess> {
    const file = join(this.dir, `node-${this.nodes.length}-${randomBytes(3).toString('hex')}.json`);
    const config = {
      database: this.databaseUrl,
      redis: this.redisUrl,
      redisKeyPrefix: this.prefix,
      // Nodes find changes a lost bus message did not announce by polling the log head.
      feedPollMs: 200,
      limits: { ...UNLIMITED_HTTP_RATE },
      ...opts.config,
    };
    writeFileSync(file, JSON.stringify(config));
    const node = await spawnHub(['--config', file, ...(opts.port !== undefined ? ['--port', String(opts.port)] : [])], { LOG_LEVEL: 'warn' });
    this.nodes.push(node);
    return node;
  }

  /** A Redis server of the test's own on a free port, which the test may kill and restart. */
  async ownRedis(port?: number): Promise<{ url: string; port: number; proc: ChildProcess }> {
    const p = port ?? (await freePort());
    const proc = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.extra.push(proc);
    const url = `redis://127.0.0.1:${p}`;
    await waitFor(async () => {
      const { Redis } = await import('ioredis');
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    }, `redis-server on ${p}`);
    return { url, port: p, proc };
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => killIfRunning(n)));
    for (const p of this.extra) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

/** POST a record through a node; resolves with the change's seq. */
export async function write(node: HubProcess, collection: string, data: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${node.url}/api/c/${collection}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
  if (res.status !== 201) throw new Error(`write via ${node.url}: ${res.status} ${await res.text()}`);
  return Number(res.headers.get('x-livehub-seq'));
}
