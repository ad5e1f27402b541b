import { afterEach, describe, expect, it } from 'vitest';
import { startHub } from '../../server/test/helpers/hub-fixture.js';
import { HubError } from '../../server/src/index.js';
import { createClient, LivehubError, seqOf, type LivehubClient } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Agent {
  name: string;
  status?: string;
  code?: string;
  meta?: { owner?: string; tags?: string[] };
}

async function setup(opts: Parameters<typeof startHub>[0] = {}, clientOpts: Parameters<typeof createClient>[0] = {}): Promise<LivehubClient> {
  const hub = await startHub({
    collections: {
      agent: {
        schema: {
          type: 'object',
          properties: { name: { type: 'string' }, status: { type: 'string' }, code: { type: 'string' }, meta: { type: 'object' } },
          required: ['name'],
        },
      },
    },
    ...opts,
  });
  cleanups.push(() => hub.cleanup());
  // REST needs no connection.
  const c = createClient({ url: hub.url, autoConnect: false, ...clientOpts });
  cleanups.push(() => c.close());
  return c;
}

async function caught(p: Promise<unknown>): Promise<LivehubError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LivehubError);
  return err as LivehubError;
}

describe('typed REST helpers (in-process hub)', () => {
  it('create / get / update (PUT) / patch (merge patch) / remove, with If-Match versions', async () => {
    const c = await setup();
    const agents = c.collection<Agent>('agent');
    const a = await agents.create({ id: 'a1', name: 'scout', status: 'idle', meta: { owner: 'ann', tags: ['x'] } });
    expect(a).toMatchObject({ id: 'a1', name: 'scout', version: 1 });
    expect(await agents.get('a1')).toEqual(a);
    const put = await agents.update('a1', { name: 'scout', status: 'busy' }, { ifVersion: 1 });
    expect(put).toMatchObject({ version: 2, status: 'busy' });
    expect(put.meta).toBeUndefined();
    const patched = await agents.patch('a1', { status: null, meta: { owner: 'bob' } }, { ifVersion: 2 });
    expect(patched).toMatchObject({ version: 3, meta: { owner: 'bob' } });
    expect('status' in patched).toBe(false);
    // Each write's change-log position travels with the record it returned.
    expect([a, put, patched].map((r) => seqOf(r))).toEqual([1, 2, 3]);
    expect(seqOf(await agents.get('a1'))).toBeUndefined();

    const conflict = await caught(agents.patch('a1', { name: 'late' }, { ifVersion: 2 }));
    expect(conflict).toMatchObject({ code: 'version_conflict', status: 412 });
    expect((await caught(agents.remove('a1', { ifVersion: 1 }))).code).toBe('version_conflict');
    await agents.remove('a1', { ifVersion: 3 });
    expect(await caught(agents.get('a1'))).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('carries the hub field messages of a validation failure', async () => {
    const c = await setup();
    const err = await caught(c.collection<Agent>('agent').create({ name: 42 } as unknown as Agent));
    expect(err).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(err.details).toEqual([{ path: 'name', message: 'must be string' }]);
    const dup = c.collection('agent');
    await dup.create({ id: 'd', name: 'x' });
    expect(await caught(dup.create({ id: 'd', name: 'y' }))).toMatchObject({ code: 'already_exists', status: 409 });
  });

  it('lists with filters, order, limit and cursor; strings that look like numbers stay strings', async () => {
    const c = await setup();
    const agents = c.collection<Agent>('agent');
    for (let i = 0; i < 5; i++) await agents.create({ id: `a${i}`, name: `n${i}`, status: i % 2 ? 'busy' : 'idle', code: String(i) });
    const first = await agents.list({ where: { status: 'idle' }, order: '-name', limit: 2 });
    expect(first.items.map((a) => a.id)).toEqual(['a4', 'a2']);
    expect(first.nextCursor).toBeTypeOf('string');
    expect(first.seq).toBe(5);
    expect(first.epoch).toMatch(/^e-/);
    const second = await agents.list({ where: { status: 'idle' }, order: '-name', limit: 2, cursor: first.nextCursor });
    expect(second.items.map((a) => a.id)).toEqual(['a0']);
    expect(second.nextCursor).toBeUndefined();
    expect((await agents.list({ where: { code: '3' } })).items.map((a) => a.id)).toEqual(['a3']);
    expect((await caught(agents.list({ cursor: 'garbage' }))).code).toBe('invalid_cursor');
  });

  it('sends the token, and after a 401 retries once with a fresh one from getToken', async () => {
    let valid = 'tok-1';
    const seen: string[] = [];
    const c = await setup(
      {
        authenticator: {
          async authenticate(token) {
            seen.push(token ?? '(none)');
            if (token !== valid) throw new HubError('unauthenticated', 'Token is not valid');
            return { sub: 'ann' };
          },
        },
      },
      { getToken: ({ reason }) => (reason === 'rejected' ? valid : 'tok-1') },
    );
    await c.collection('note').create({ id: 'n1' });
    valid = 'tok-2';
    await c.collection('note').create({ id: 'n2' });
    expect(seen).toEqual(['tok-1', 'tok-1', 'tok-2']);
    await c.publish('chat:room:1', 'message.posted', { text: 'over HTTP' });
  });

  it('reports an unreachable hub as network_error', async () => {
    const c = createClient({ url: 'http://127.0.0.1:1', autoConnect: false });
    cleanups.push(() => c.close());
    expect((await caught(c.collection('x').list())).code).toBe('network_error');
  });
});
