import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHub } from './helpers/hub-fixture.js';

describe('collections over HTTP', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  let base: string;
  beforeAll(async () => {
    hub = await startHub();
    base = hub.url;
  });
  afterAll(() => hub.cleanup());

  it('creates, reads, replaces, patches and deletes with server-owned fields', async () => {
    const created = await api(base, 'POST', '/api/c/agent', { name: 'scout', status: 'idle', version: 99, createdAt: 'x' });
    expect(created.status).toBe(201);
    const rec = created.body;
    expect(rec).toMatchObject({ name: 'scout', status: 'idle', version: 1 });
    expect(rec.id).toMatch(/^[0-9a-z]{26}$/);
    expect(rec.createdAt).toBe(rec.updatedAt);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/api/c/agent/${rec.id}`);

    const got = await api(base, 'GET', `/api/c/agent/${rec.id}`);
    expect(got.body).toEqual(rec);

    const replaced = await api(base, 'PUT', `/api/c/agent/${rec.id}`, { name: 'scout-2' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: rec.id, name: 'scout-2', version: 2, createdAt: rec.createdAt });
    expect(replaced.body.status).toBeUndefined();

    const patched = await api(base, 'PATCH', `/api/c/agent/${rec.id}`, { status: 'busy', meta: { a: 1 } });
    expect(patched.body).toMatchObject({ name: 'scout-2', status: 'busy', meta: { a: 1 }, version: 3 });
    const unset = await api(base, 'PATCH', `/api/c/agent/${rec.id}`, { meta: null }, { 'content-type': 'application/merge-patch+json' });
    expect(unset.status).toBe(200);
    expect(unset.body.meta).toBeUndefined();

    const del = await api(base, 'DELETE', `/api/c/agent/${rec.id}`);
    expect(del.status).toBe(204);
    const gone = await api(base, 'GET', `/api/c/agent/${rec.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
  });

  it('accepts a client id on create and refuses a duplicate with 409', async () => {
    const a = await api(base, 'POST', '/api/c/task', { id: 't-1', title: 'one' });
    expect(a.status).toBe(201);
    expect(a.body.id).toBe('t-1');
    const b = await api(base, 'POST', '/api/c/task', { id: 't-1', title: 'again' });
    expect(b.status).toBe(409);
    expect(b.body.error.code).toBe('already_exists');
    const bad = await api(base, 'POST', '/api/c/task', { id: 'has:colon' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_id');
  });

  it('enforces If-Match with 412 and leaves the record untouched', async () => {
    const { body: rec } = await api(base, 'POST', '/api/c/doc', { text: 'a' });
    const ok = await api(base, 'PATCH', `/api/c/doc/${rec.id}`, { text: 'b' }, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    const stale = await api(base, 'PUT', `/api/c/doc/${rec.id}`, { text: 'c' }, { 'if-match': '1' });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('version_conflict');
    const staleDelete = await api(base, 'DELETE', `/api/c/doc/${rec.id}`, undefined, { 'if-match': 'W/"1"' });
    expect(staleDelete.status).toBe(412);
    const now = await api(base, 'GET', `/api/c/doc/${rec.id}`);
    expect(now.body).toMatchObject({ text: 'b', version: 2 });
    const garbage = await api(base, 'PATCH', `/api/c/doc/${rec.id}`, { text: 'd' }, { 'if-match': 'nope' });
    expect(garbage.status).toBe(400);
  });

  it('names the problem in 400s: bad collection, bad body, bad JSON', async () => {
    const badName = await api(base, 'GET', '/api/c/Bad%20Name');
    expect(badName.status).toBe(400);
    expect(badName.body.error.code).toBe('invalid_collection');
    const arrayBody = await api(base, 'POST', '/api/c/agent', [1, 2]);
    expect(arrayBody.status).toBe(400);
    expect(arrayBody.body.error.message).toMatch(/JSON object/);
    const badJson = await api(base, 'POST', '/api/c/agent', '{"name":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('bad_request');
    const deep = await api(base, 'POST', '/api/c/agent', '{"a":' + '['.repeat(20000) + ']'.repeat(20000) + '}');
    expect(deep.status).toBe(400);
    const noRoute = await api(base, 'GET', '/api/nope');
    expect(noRoute.status).toBe(404);
  });

  it('deletes when a DELETE says content-type: application/json but has no body (fetch wrappers do)', async () => {
    const { body: rec } = await api(base, 'POST', '/api/c/doc', { text: 'bye' });
    const json = { 'content-type': 'application/json' };
    const del = await fetch(`${base}/api/c/doc/${rec.id}`, { method: 'DELETE', headers: json });
    expect(del.status).toBe(204);
    expect((await api(base, 'GET', `/api/c/doc/${rec.id}`)).status).toBe(404);
    // Also with an explicit zero length, and with If-Match.
    const { body: two } = await api(base, 'POST', '/api/c/doc', { text: 'two' });
    const zero = await fetch(`${base}/api/c/doc/${two.id}`, { method: 'DELETE', headers: { ...json, 'content-length': '0', 'if-match': '"1"' } });
    expect(zero.status).toBe(204);
    // Bodies elsewhere keep their validation: an empty JSON body on POST is still a clear 400.
    const emptyPost = await fetch(`${base}/api/c/doc`, { method: 'POST', headers: json });
    expect(emptyPost.status).toBe(400);
    expect(((await emptyPost.json()) as { error: unknown }).error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/empty/i) });
    const emptyPut = await fetch(`${base}/api/c/doc/${rec.id}`, { method: 'PUT', headers: json });
    expect(emptyPut.status).toBe(400);
    // A DELETE that does send a body still has it parsed: broken JSON is a 400 and deletes nothing.
    const { body: three } = await api(base, 'POST', '/api/c/doc', { text: 'three' });
    const broken = await fetch(`${base}/api/c/doc/${three.id}`, { method: 'DELETE', headers: json, body: '{"x":' });
    expect(broken.status).toBe(400);
    expect((await api(base, 'GET', `/api/c/doc/${three.id}`)).status).toBe(200);
  });

  it('lists with equality filters, order, limit and an opaque cursor', async () => {
    for (let i = 0; i < 7; i++) {
      await api(base, 'POST', '/api/c/job', { id: `j${i}`, rank: i % 3, kind: i % 2 === 0 ? 'even' : 'odd', done: i === 4 });
    }
    const even = await api(base, 'GET', '/api/c/job?kind=even&order=id');
    expect(even.body.items.map((r: { id: string }) => r.id)).toEqual(['j0', 'j2', 'j4', 'j6']);
    expect(even.body.seq).toBeGreaterThan(0);
    const done = await api(base, 'GET', '/api/c/job?done=true');
    expect(done.body.items.map((r: { id: string }) => r.id)).toEqual(['j4']);
    const rank1 = await api(base, 'GET', '/api/c/job?rank=1&order=id');
    expect(rank1.body.items.map((r: { id: string }) => r.id)).toEqual(['j1', 'j4']);

    // Page through all seven in (rank desc, id desc) order, two at a time.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api(base, 'GET', `/api/c/job?order=-rank&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['j5', 'j2', 'j4', 'j1', 'j6', 'j3', 'j0']);

    const first = await api(base, 'GET', '/api/c/job?order=-rank&limit=2');
    const wrong = await api(base, 'GET', `/api/c/job?order=id&limit=2&cursor=${first.body.nextCursor}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('invalid_cursor');
    const badLimit = await api(base, 'GET', '/api/c/job?limit=0');
    expect(badLimit.body.error.code).toBe('invalid_query');
    const badField = await api(base, 'GET', "/api/c/job?order=a'b");
    expect(badField.status).toBe(400);
  });

  it('lists collections with counts', async () => {
    const res = await api(base, 'GET', '/api/collections');
    const job = res.body.collections.find((c: { name: string }) => c.name === 'job');
    expect(job).toMatchObject({ name: 'job', count: 7 });
  });
});
