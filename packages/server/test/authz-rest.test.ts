import { describe, expect, it } from 'vitest';
import { OWNED_AGENTS, RULES, authzOptions, cast, type Actor } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';

const { hub, defer } = perTest();

/** A hub with the spec's rules, alice and bob owning three agents each (created interleaved). */
async function seeded(authorization: Parameters<typeof authzOptions>[0] = RULES) {
  const h = await hub(authzOptions(authorization));
  const who = await cast(h.url, defer);
  for (let i = 1; i <= 3; i++) {
    await who.alice.agent(`a${i}`, { kind: i % 2 ? 'odd' : 'even' });
    await who.bob.agent(`b${i}`, { kind: i % 2 ? 'odd' : 'even' });
  }
  return { h, ...who };
}

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((r) => r.id);
const decodeCursor = (c: string) => Buffer.from(c, 'base64url').toString('utf8');

async function pageAll(a: Actor, path: string): Promise<{ ids: string[]; cursors: string[] }> {
  const out: string[] = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await a.call('GET', `${path}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    out.push(...ids(res.body));
    cursor = res.body.nextCursor;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  return { ids: out, cursors };
}

describe('REST under per-owner rules: lists', () => {
  it('lists only what the reader owns; the server sets owner; an admin lists everything', async () => {
    const { alice, bob, admin } = await seeded();
    const a = await alice.call('GET', '/api/c/agent');
    expect(ids(a.body)).toEqual(['a1', 'a2', 'a3']);
    expect(a.body.items.every((r: { owner: string }) => r.owner === 'alice')).toBe(true);
    expect(ids((await bob.call('GET', '/api/c/agent')).body)).toEqual(['b1', 'b2', 'b3']);
    expect(ids((await admin.call('GET', '/api/c/agent')).body)).toHaveLength(6);
  });

  it("a filter naming the other owner finds nothing; other filters stay within the reader's records", async () => {
    const { bob } = await seeded();
    for (const q of ['owner=alice', 'owner=alice&kind=odd', 'id=a1', 'owner=null']) {
      const res = await bob.call('GET', `/api/c/agent?${q}`);
      expect(res.status, q).toBe(200);
      expect(ids(res.body), q).toEqual([]);
      expect(res.body.nextCursor, q).toBeUndefined();
    }
    expect(ids((await bob.call('GET', '/api/c/agent?owner=bob')).body)).toEqual(['b1', 'b2', 'b3']);
    expect(ids((await bob.call('GET', '/api/c/agent?kind=odd')).body)).toEqual(['b1', 'b3']);
    expect(ids((await bob.call('GET', '/api/c/agent?order=-createdAt&limit=2')).body)).toEqual(['b3', 'b2']);
  });

  it("pages with cursors over only the reader's records; no cursor names another's record, nor works for another reader", async () => {
    const { alice, bob } = await seeded();
    const paged = await pageAll(alice, '/api/c/agent?limit=1');
    expect(paged.ids).toEqual(['a1', 'a2', 'a3']);
    for (const c of paged.cursors) expect(decodeCursor(c)).not.toMatch(/"b\d"/);
    // A cursor is bound to the query the rule made: bob cannot page on from alice's position.
    const stolen = await bob.call('GET', `/api/c/agent?limit=1&cursor=${paged.cursors[0]}`);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error.code).toBe('invalid_cursor');
    expect((await pageAll(bob, '/api/c/agent?limit=2&order=-createdAt')).ids).toEqual(['b3', 'b2', 'b1']);
  });

  it('a rule on a dotted field and a filter on the same field list the reader their own records', async () => {
    const h = await hub(authzOptions({ collections: { doc: { read: { field: 'meta.owner', eq: '{sub}' } } } }));
    const { alice, bob } = await cast(h.url, defer);
    expect((await alice.call('POST', '/api/c/doc', { id: 'd1', meta: { owner: 'alice' } })).status).toBe(201);
    expect((await bob.call('POST', '/api/c/doc', { id: 'd2', meta: { owner: 'bob' } })).status).toBe(201);
    expect(ids((await alice.call('GET', '/api/c/doc')).body)).toEqual(['d1']);
    expect(ids((await alice.call('GET', '/api/c/doc?meta.owner=alice')).body)).toEqual(['d1']);
    expect(ids((await alice.call('GET', '/api/c/doc?meta.owner=bob')).body)).toEqual([]);
  });
});

describe('REST under per-owner rules: one record', () => {
  it("GET of another's record is 404 not_found, told apart from no record in no way", async () => {
    const { alice, bob } = await seeded();
    const theirs = await bob.call('GET', '/api/c/agent/a1');
    const none = await bob.call('GET', '/api/c/agent/a9');
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('not_found');
    expect(theirs.body.error.message.replace('a1', 'X')).toBe(none.body.error.message.replace('a9', 'X'));
    expect(theirs.headers.get('etag')).toBeNull();
    expect((await alice.call('GET', '/api/c/agent/a1')).body).toMatchObject({ id: 'a1', owner: 'alice', version: 1 });
  });

  it("PUT, PATCH and DELETE of another's record are 404 and change nothing", async () => {
    const { alice, bob } = await seeded();
    const attempts: Array<[string, unknown]> = [
      ['PUT', { name: 'pwned' }],
      ['PUT', { name: 'pwned', owner: 'bob' }],
      ['PATCH', { name: 'pwned' }],
      ['PATCH', { owner: 'bob' }],
      ['DELETE', undefined],
    ];
    for (const [method, body] of attempts) {
      const res = await bob.call(method, '/api/c/agent/a1', body);
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await alice.call('GET', '/api/c/agent/a1')).body).toMatchObject({ version: 1, owner: 'alice', kind: 'odd' });
  });

  it("If-Match against another's record is 404 whatever the version: the version is never revealed", async () => {
    const { alice, bob } = await seeded();
    await alice.call('PATCH', '/api/c/agent/a1', { n: 1 });
    for (const version of ['1', '2', '"2"', 'W/"7"']) {
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        const res = await bob.call(method, '/api/c/agent/a1', method === 'DELETE' ? undefined : { n: 9 }, { 'if-match': version });
        expect(res.status, `${method} If-Match ${version}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
    // The owner still gets the version check.
    expect((await alice.call('PATCH', '/api/c/agent/a1', { n: 2 }, { 'if-match': '1' })).body.error.code).toBe('version_conflict');
  });

  it('a record the reader may read but not write is 403 forbidden on PUT, PATCH and DELETE', async () => {
    const shared = { ...OWNED_AGENTS, read: 'authenticated' as const };
    const { alice, bob } = await seeded({ ...RULES, collections: { agent: shared } });
    expect((await bob.call('GET', '/api/c/agent/a1')).status).toBe(200);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await bob.call(method, '/api/c/agent/a1', method === 'DELETE' ? undefined : { name: 'x' });
      expect(res.status, method).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await alice.call('GET', '/api/c/agent/a1')).body.version).toBe(1);
  });
});

describe('REST under per-owner rules: ownership', () => {
  it('a create naming another owner is 403; leaving owner out or naming oneself stores the creator', async () => {
    const { alice, bob, admin } = await seeded();
    const forged = await bob.call('POST', '/api/c/agent', { id: 'f1', owner: 'alice' });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('forbidden');
    expect(forged.body.error.message).toMatch(/'owner'/);
    expect((await bob.call('POST', '/api/c/agent', { id: 'f2', owner: null })).status).toBe(403);
    expect((await bob.call('POST', '/api/c/agent', { id: 'f3', owner: ['bob'] })).status).toBe(403);
    expect((await admin.call('GET', '/api/c/agent/f1')).status).toBe(404);
    expect((await bob.call('POST', '/api/c/agent', { id: 'f4', owner: 'bob' })).body.owner).toBe('bob');
    expect((await bob.call('POST', '/api/c/agent', { id: 'f5' })).body.owner).toBe('bob');
    // An admin may create on someone's behalf; leaving owner out makes it the admin's.
    expect((await admin.call('POST', '/api/c/agent', { id: 'f6', owner: 'alice' })).body.owner).toBe('alice');
    expect((await admin.call('POST', '/api/c/agent', { id: 'f7' })).body.owner).toBe('root');
    expect(ids((await alice.call('GET', '/api/c/agent')).body)).toEqual(['a1', 'a2', 'a3', 'f6']);
  });

  it('an update that changes owner is 403 (PUT, PATCH, PATCH null); a PUT without owner keeps it', async () => {
    const { alice, bob } = await seeded();
    for (const [method, body] of [
      ['PUT', { owner: 'bob' }],
      ['PATCH', { owner: 'bob' }],
      ['PATCH', { owner: null }],
      ['PUT', { owner: null }],
    ] as const) {
      const res = await alice.call(method, '/api/c/agent/a1', body);
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await bob.call('GET', '/api/c/agent/a1')).status).toBe(404);
    const put = await alice.call('PUT', '/api/c/agent/a1', { name: 'renamed' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'renamed', owner: 'alice', version: 2 });
    expect(put.body.kind).toBeUndefined();
  });
});

describe('GET /api/collections under rules', () => {
  it('omits denied collections and gives count null for partly readable ones; an admin sees every count', async () => {
    const h = await hub(
      authzOptions({ defaultPolicy: 'deny', collections: { agent: OWNED_AGENTS, note: { read: true, create: true } }, channels: RULES.channels }),
    );
    const { alice, admin } = await cast(h.url, defer);
    await alice.agent('a1');
    expect((await alice.call('POST', '/api/c/note', { id: 'n1' })).status).toBe(201);
    expect((await alice.call('POST', '/api/c/secret', { id: 's1' })).status).toBe(403);
    expect((await admin.call('POST', '/api/c/secret', { id: 's1' })).status).toBe(201);
    expect((await alice.call('GET', '/api/c/secret')).status).toBe(403);

    const seen = (await alice.call('GET', '/api/collections')).body.collections;
    expect(seen.map((c: { name: string; count: number | null }) => [c.name, c.count])).toEqual([
      ['agent', null],
      ['note', 1],
    ]);
    const all = (await admin.call('GET', '/api/collections')).body.collections;
    expect(all.map((c: { name: string; count: number | null }) => [c.name, c.count])).toEqual([
      ['agent', 1],
      ['note', 1],
      ['secret', 1],
    ]);
  });
});
