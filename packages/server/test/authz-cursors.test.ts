import { describe, expect, it } from 'vitest';
import { authzOptions, cast } from './helpers/authz-fixture.js';
import { perTest } from './helpers/hub-fixture.js';

const { hub, defer } = perTest();

// A read rule the hub cannot push into SQL: a page reads rows the reader may not see, and its
// cursor would name the last of them.
const SHARED_OR_OWN = {
  collections: {
    note: {
      read: {
        any: [
          { field: 'owner', eq: '{sub}' },
          { field: 'public', eq: true },
        ],
      },
      create: true,
      set: { owner: '{sub}' },
    },
  },
};

describe('list cursors under a read rule that SQL cannot filter', () => {
  it("never carry another user's record: a cursor that would is sealed, opens on the hub, and pages to the end", async () => {
    const h = await hub(authzOptions(SHARED_OR_OWN));
    const { alice, bob } = await cast(h.url, defer);
    await alice.call('POST', '/api/c/note', { id: 'alice-1' });
    // More of bob's private notes than one page scans (10 store pages of limit 1), then a public one.
    for (let i = 0; i < 12; i++) expect((await bob.call('POST', '/api/c/note', { id: `bobsecret${i}` })).status).toBe(201);
    expect((await bob.call('POST', '/api/c/note', { id: 'bob-public', public: true })).status).toBe(201);

    const seen: string[] = [];
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await alice.call('GET', `/api/c/note?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as Array<{ id: string }>).map((r) => r.id));
      cursor = res.body.nextCursor;
      if (cursor) cursors.push(cursor);
    } while (cursor && cursors.length < 20);
    expect(seen).toEqual(['alice-1', 'bob-public']);
    // Every cursor, decoded as a store cursor would be, says nothing of bob's private notes.
    for (const c of cursors) expect(Buffer.from(c.replace(/^s1\./, ''), 'base64url').toString('latin1')).not.toMatch(/bobsecret/);
    expect(cursors.some((c) => c.startsWith('s1.'))).toBe(true);

    // A sealed cursor cannot be forged or altered.
    const sealed = cursors.find((c) => c.startsWith('s1.'))!;
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-1);
    const bad = await alice.call('GET', `/api/c/note?limit=1&cursor=${encodeURIComponent(tampered)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_cursor');
  });
});
