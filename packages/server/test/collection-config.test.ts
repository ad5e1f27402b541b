import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHub, findConfigFile, loadConfigFile, MemoryBus, resolveOptions } from '../src/index.js';
import { api, startHub, tempDir } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';

describe('declared collections', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  beforeAll(async () => {
    hub = await startHub({
      collections: {
        // zod schema, diff payloads, a private field
        agent: {
          schema: z.object({ name: z.string().min(1), status: z.enum(['idle', 'busy']).default('idle'), apiKey: z.string().optional() }),
          payload: 'diff',
          private: ['apiKey'],
        },
        // JSON Schema, ids-only payloads
        ticket: {
          schema: {
            type: 'object',
            required: ['title'],
            properties: { title: { type: 'string', minLength: 3 }, priority: { type: 'integer', minimum: 1, default: 3 } },
            additionalProperties: false,
          },
          payload: 'ids',
        },
      },
    });
  });
  afterAll(() => hub.cleanup());

  it('validates with zod: 400 with field errors, defaults applied, patches validated merged', async () => {
    const bad = await api(hub.url, 'POST', '/api/c/agent', { name: '', status: 'sleeping' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const paths = bad.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['name', 'status']);
    const ok = await api(hub.url, 'POST', '/api/c/agent', { id: 'a1', name: 'scout' });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe('idle');
    const badPatch = await api(hub.url, 'PATCH', '/api/c/agent/a1', { status: 'nope' });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.details[0].path).toBe('status');
    expect((await api(hub.url, 'GET', '/api/c/agent/a1')).body.version).toBe(1);
  });

  it('validates with JSON Schema: required, types, additionalProperties, defaults', async () => {
    const missing = await api(hub.url, 'POST', '/api/c/ticket', { priority: 0, extra: true });
    expect(missing.status).toBe(400);
    const paths = missing.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('title');
    expect(paths).toContain('priority');
    const ok = await api(hub.url, 'POST', '/api/c/ticket', { title: 'Fix it' });
    expect(ok.status).toBe(201);
    expect(ok.body.priority).toBe(3);
  });

  it('never sends private fields: REST, list, events, snapshot, replay, changes', async () => {
    const c = await TestClient.connect(hub.url);
    const sub = await c.subscribe('agent', { snapshot: true });
    const since = sub.seq as number;
    const created = await api(hub.url, 'POST', '/api/c/agent', { id: 'p1', name: 'secretive', apiKey: 'sk-123' });
    expect(created.body.apiKey).toBeUndefined();
    await api(hub.url, 'PATCH', '/api/c/agent/p1', { apiKey: 'sk-456', status: 'busy' });
    await c.until((all) => all.filter((m) => m.type === 'event').length === 2);
    const replay = await TestClient.connect(hub.url);
    await replay.subscribe('agent', { since, epoch: hub.store.epoch });
    await replay.until((all) => all.filter((m) => m.type === 'event').length === 2);
    const snap = await replay.subscribe('agent:p1', { snapshot: true });
    const everything = JSON.stringify([
      created.body,
      (await api(hub.url, 'GET', '/api/c/agent/p1')).body,
      (await api(hub.url, 'GET', '/api/c/agent')).body,
      (await api(hub.url, 'GET', `/api/changes?since=${since}`)).body,
      c.messages,
      replay.messages,
      snap,
    ]);
    expect(everything).not.toContain('sk-');
    expect(everything).not.toContain('apiKey');
    // Nor can a list be used as an oracle for it, by filter or by order (the cursor would carry it).
    for (const q of ['apiKey=sk-456', 'order=apiKey', 'order=-apiKey.x']) {
      const res = await api(hub.url, 'GET', `/api/c/agent?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/private field/);
    }
    // The secret is stored, though: the server still has it.
    expect((await hub.store.get('agent', 'p1'))!.data.apiKey).toBe('sk-456');
    c.close();
    replay.close();
  });

  it('keeps private fields a PUT does not carry (the caller cannot see them); a PUT that carries one sets it', async () => {
    await api(hub.url, 'POST', '/api/c/agent', { id: 'k1', name: 'keeper', status: 'busy', apiKey: 'sk-keep' });
    // What the dashboard's editor does: GET (no apiKey in it), change a field, PUT it all back.
    const seen = (await api(hub.url, 'GET', '/api/c/agent/k1')).body;
    const put = await api(hub.url, 'PUT', '/api/c/agent/k1', { ...seen, name: 'renamed' });
    expect(put.status).toBe(200);
    expect(put.body.apiKey).toBeUndefined();
    expect((await hub.store.get('agent', 'k1'))!.data).toEqual({ name: 'renamed', status: 'busy', apiKey: 'sk-keep' });
    // A replace is still a replace for the fields the caller sees: `status` falls back to its default.
    const ifMatch = await api(hub.url, 'PUT', '/api/c/agent/k1', { name: 'again' }, { 'if-match': '"2"' });
    expect(ifMatch.status).toBe(200);
    expect((await hub.store.get('agent', 'k1'))!.data).toEqual({ name: 'again', status: 'idle', apiKey: 'sk-keep' });
    const set = await api(hub.url, 'PUT', '/api/c/agent/k1', { name: 'again', apiKey: 'sk-new' }, { 'if-match': '3' });
    expect(set.status).toBe(200);
    expect((await hub.store.get('agent', 'k1'))!.data.apiKey).toBe('sk-new');
    // Server code replaces through the same path.
    const change = await hub.collections.replace('agent', 'k1', { name: 'from-server' });
    expect(change.record.data).toEqual({ name: 'from-server', status: 'idle', apiKey: 'sk-new' });
    expect((await hub.store.get('agent', 'k1'))!.data.apiKey).toBe('sk-new');
  });

  it('shapes event payloads per mode: diff carries previous and changed, ids carries none', async () => {
    const c = await TestClient.connect(hub.url);
    await c.subscribe('agent:a1');
    await c.subscribe('ticket');
    await api(hub.url, 'PATCH', '/api/c/agent/a1', { status: 'busy' });
    await api(hub.url, 'POST', '/api/c/ticket', { id: 'T1', title: 'Another' });
    await c.until((all) => all.filter((m) => m.type === 'event').length === 2);
    const diff = c.events('agent:a1')[0]!.data;
    expect(diff).toMatchObject({ action: 'updated', version: 2, changed: ['status'], record: { status: 'busy' }, previous: { status: 'idle', version: 1 } });
    const ids = c.events('ticket')[0]!.data;
    expect(ids).toEqual({ id: 'T1', collection: 'ticket', action: 'created', version: 1 });
    c.close();
  });

  it('lists declared collections with their payload mode', async () => {
    const res = await api(hub.url, 'GET', '/api/collections');
    expect(res.body.collections).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'ticket', declared: true, payload: 'ids' })]));
  });
});

describe('strict collections', () => {
  it('404s undeclared collections when strictCollections is on', async () => {
    const hub = await startHub({ strictCollections: true, collections: { known: {} } });
    try {
      expect((await api(hub.url, 'POST', '/api/c/known', { a: 1 })).status).toBe(201);
      const res = await api(hub.url, 'POST', '/api/c/unknown', { a: 1 });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/not declared/);
    } finally {
      await hub.cleanup();
    }
  });
});

describe('config files and options', () => {
  // Inside the repo, so the config's `import 'zod'` resolves as it would in an app.
  const tmp = tempDir(join(import.meta.dirname, '..', '.tmp-config-'));
  afterAll(() => tmp.cleanup());

  it('loads livehub.config.json and a TypeScript config with a zod schema', async () => {
    const json = join(tmp.dir, 'livehub.config.json');
    writeFileSync(json, JSON.stringify({ port: 9999, collections: { note: { payload: 'diff', private: ['secret'] } } }));
    expect(findConfigFile(undefined, tmp.dir)).toBe(json);
    const fromJson = await loadConfigFile(json);
    expect(fromJson.collections?.note?.payload).toBe('diff');

    const ts = join(tmp.dir, 'custom.config.ts');
    writeFileSync(
      ts,
      `import { z } from 'zod';\n` +
        `const schema: z.ZodType<{ title: string }> = z.object({ title: z.string().min(2) });\n` +
        `export default { heartbeatMs: 1000, collections: { task: { schema } } };\n`,
    );
    const fromTs = await loadConfigFile(ts);
    expect(fromTs.heartbeatMs).toBe(1000);
    const hub = await startHub({ ...fromTs, port: 0 });
    try {
      const bad = await api(hub.url, 'POST', '/api/c/task', { title: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('title');
    } finally {
      await hub.cleanup();
    }
  });

  it('refuses unknown or invalid options up front with a message naming them', () => {
    expect(() => resolveOptions({ port: -1 })).toThrow(/port/);
    expect(() => resolveOptions({ heartbeatMS: 5 } as never)).toThrow(/heartbeatMS/);
    expect(() => createHub({ collections: { 'Bad Name': {} }, db: ':memory:' })).toThrow(/Invalid collection name/);
    expect(() => createHub({ collections: { x: { private: ['id'] } }, db: ':memory:' })).toThrow(/server-owned/);
    const d = resolveOptions();
    expect(d).toMatchObject({ port: 8080, host: '127.0.0.1', db: './data/livehub.db', durability: 'full', heartbeatMs: 25000 });
    expect(d.retention).toEqual({ maxChanges: 1_000_000, maxAgeMs: 7 * 24 * 3600 * 1000, intervalMs: 60_000 });
    expect([d.redis, d.redisKeyPrefix]).toEqual([undefined, 'livehub']);
    expect(() => resolveOptions({ redis: 'http://127.0.0.1:6379' })).toThrow(/redis/);
    expect(() => resolveOptions({ redisKeyPrefix: 'two words' })).toThrow(/redisKeyPrefix/);
    expect(() => resolveOptions({ redis: 'redis://127.0.0.1:6379', bus: new MemoryBus() })).toThrow(/either `redis`.*or `bus`/);
  });

  it('fails clearly on a missing or broken config file', async () => {
    expect(() => findConfigFile('nope.json', tmp.dir)).toThrow(/not found/);
    const broken = join(tmp.dir, 'broken.json');
    writeFileSync(broken, '{ nope');
    await expect(loadConfigFile(broken)).rejects.toThrow(/Cannot parse/);
  });
});
