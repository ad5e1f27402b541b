import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DatabaseInUseError, PostgresStore } from '../src/index.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { api, perTest, tempDir, UNLIMITED_HTTP_RATE } from './helpers/hub-fixture.js';
import { dropSchema, newSchemaName, PG_URL } from './helpers/pg-schema.js';
import { CLI, killIfRunning, spawnHub, unlimitedRateConfig, type HubProcess } from './helpers/spawn-hub.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const run = promisify(execFile);

async function sql<T>(text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
const schemaExists = async (schema: string) => (await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).length === 1;
/** Sessions holding the schema's open lock shared (what each serving store holds; see store/postgres/open-lock.ts). */
const openLocksHeld = async (schema: string) =>
  (
    await sql(
      "SELECT 1 FROM pg_locks l JOIN pg_namespace n ON l.objid = n.oid WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2 AND l.mode = 'ShareLock' AND l.granted AND n.nspname = $2",
      [0x6c680002, schema],
    )
  ).length;
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

// Two `livehub serve` processes on one PostgreSQL schema: two nodes of one cluster, no bus between
// them (cross-node live delivery is the Redis bus's), so everything here goes through the database.
describe('two hubs on one PostgreSQL schema', () => {
  const { defer, hub: hubOn } = perTest();

  it('read each other`s writes, give concurrent writes one gapless order, and refuse epoch --rotate while running', async () => {
    const schema = newSchemaName();
    defer(() => dropSchema(schema));
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const db = ['--database', PG_URL, '--database-schema', schema, ...unlimitedRateConfig(tmp.dir)];
    const [a, b] = await Promise.all([spawnHub(db), spawnHub(db)]);
    const nodes: HubProcess[] = [a, b];
    for (const n of nodes) defer(() => killIfRunning(n));
    for (const n of nodes) expect(n.output()).toContain(`store postgres 127.0.0.1:5432/test schema "${schema}"`);

    // A write through A is read through B.
    const created = await api(a.url, 'POST', '/api/c/doc', { id: 'd1', title: 'from A' });
    expect(created.status).toBe(201);
    expect((await api(b.url, 'GET', '/api/c/doc/d1')).body).toMatchObject({ id: 'd1', title: 'from A', version: 1 });
    expect((await api(b.url, 'GET', '/api/c/doc')).body).toMatchObject({ items: [{ id: 'd1' }], seq: 1 });
    const [ha, hb] = await Promise.all(nodes.map(async (n) => (await api(n.url, 'GET', '/healthz')).body));
    expect(ha).toMatchObject({ epoch: hb.epoch, seq: 1, store: { kind: 'postgres', ok: true } });
    expect((await api(b.url, 'GET', '/readyz')).status).toBe(200);

    // 2 nodes × 8 writers × 10 writes, all at once: one gapless log, the same through either node.
    const writes = nodes.flatMap((n, ni) =>
      Array.from({ length: 8 }, async (_, w) => {
        const seqs: number[] = [];
        for (let i = 0; i < 10; i++) {
          const res = await api(n.url, 'POST', '/api/c/w', { id: `n${ni}-w${w}-${i}` });
          expect(res.status).toBe(201);
          seqs.push(Number(res.headers.get('x-livehub-seq')));
        }
        return seqs;
      }),
    );
    const seqs = (await Promise.all(writes)).flat();
    expect(new Set(seqs).size).toBe(160);
    const logs = await Promise.all(
      nodes.map(async (n) => (await api(n.url, 'GET', '/api/changes?since=0&limit=1000')).body.changes as Array<{ seq: number; id: string }>),
    );
    expect(logs[0]!.map((c) => c.seq)).toEqual(Array.from({ length: 161 }, (_, i) => i + 1));
    expect(logs[1]).toEqual(logs[0]);

    // The epoch is the cluster's: reading it is fine, rotating it is refused while any node serves.
    expect(await cli('epoch', ...db.slice(0, 4))).toEqual({ code: 0, out: `epoch ${ha.epoch as string} (head 161)\n` });
    const refused = await cli('epoch', ...db.slice(0, 4), '--rotate');
    expect(refused).toMatchObject({ code: 2, out: expect.stringMatching(/in use by another process.*stop/) });
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await cli('epoch', ...db.slice(0, 4), '--rotate')).toMatchObject({ code: 2 });
    // kill -9: the server drops the dead node's lock with its session, nothing stale is left.
    b.proc.kill('SIGKILL');
    await b.exited;
    await waitFor(async () => (await cli('epoch', ...db.slice(0, 4), '--rotate')).code === 0, 'the rotation once no hub runs');
    expect((await cli('epoch', ...db.slice(0, 4))).out).not.toContain(ha.epoch as string);
    // `epoch` reads a store; it never creates one.
    const missing = newSchemaName();
    expect(await cli('epoch', '--database', PG_URL, '--database-schema', missing)).toMatchObject({
      code: 2,
      out: expect.stringMatching(/no livehub database/),
    });
    expect(await schemaExists(missing)).toBe(false);
  });

  it('fails /readyz (503) while the database is unreachable, and keeps /healthz answering', async () => {
    const schema = newSchemaName();
    defer(() => dropSchema(schema));
    const target = new URL(PG_URL);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    defer(() => proxy.stop());
    const url = new URL(PG_URL);
    url.port = String(proxy.port);
    const hub = await hubOn({ database: url.href, databaseSchema: schema, databasePoolSize: 2, limits: UNLIMITED_HTTP_RATE });
    await api(hub.url, 'POST', '/api/c/doc', { id: 'd1' });
    expect(await api(hub.url, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', store: { kind: 'postgres', ok: true } } });

    await proxy.stop();
    expect(await api(hub.url, 'GET', '/readyz')).toMatchObject({ status: 503, body: { status: 'not_ready', store: { kind: 'postgres', ok: false } } });
    expect(await api(hub.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok', seq: 1, store: { kind: 'postgres', ok: false } } });

    // Back: the pool reconnects, the node is ready again and writes go on from the same log.
    await proxy.start();
    await waitFor(async () => (await api(hub.url, 'GET', '/readyz')).status === 200, 'readyz once the database is back');
    expect((await api(hub.url, 'POST', '/api/c/doc', { id: 'd2' })).headers.get('x-livehub-seq')).toBe('2');
    // The open lock went with its connection; the node takes it again, so a rotation is refused again.
    await waitFor(async () => (await openLocksHeld(schema)) === 1, 'the open lock taken again');
    const other = await PostgresStore.open({ url: PG_URL, schema, poolSize: 1 });
    defer(() => other.close());
    await expect(other.rotateEpoch()).rejects.toBeInstanceOf(DatabaseInUseError);
  });
});
