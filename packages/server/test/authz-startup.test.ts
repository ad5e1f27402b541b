import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type HubOptions } from '../src/index.js';
import { SECRET } from './helpers/authz-fixture.js';
import { tempDir } from './helpers/hub-fixture.js';
import { existsSync } from 'node:fs';

const tmp: Array<{ cleanup(): void }> = [];
afterEach(() => {
  while (tmp.length) tmp.pop()!.cleanup();
});

/** createHub with a throwaway db path; returns what it threw, and whether it left a database behind. */
function refusal(options: HubOptions): { error: unknown; opened: boolean } {
  const t = tempDir();
  tmp.push(t);
  const db = join(t.dir, 'hub.db');
  try {
    createHub({ logLevel: 'silent', port: 0, db, ...options });
  } catch (error) {
    return { error, opened: existsSync(db) };
  }
  throw new Error(`createHub accepted ${JSON.stringify(options.authorization)}`);
}

const auth = { secret: SECRET };

describe('rules that cannot work refuse to start', () => {
  const invalid: Array<[string, NonNullable<HubOptions['authorization']>, RegExp]> = [
    [
      'a misspelled key in a nested rule',
      { collections: { agent: { read: { any: [{ field: 'owner', eq: '{sub}' }, { feild: 'owner', eq: 'x' } as never] } } } },
      /authorization\.collections\.agent\.read\.any\[1\]: .*feild/,
    ],
    ['an unknown action', { collections: { agent: { reed: true } as never } }, /authorization\.collections\.agent: unknown rule key 'reed'/],
    [
      'a field rule on a channel',
      { channels: { 'room:*': { subscribe: { field: 'owner', eq: '{sub}' } } } },
      /authorization\.channels\['room:\*'\]\.subscribe: channel rules have no record/,
    ],
    [
      'a placeholder typo',
      { collections: { agent: { read: { field: 'owner', eq: '{subject}' } } } },
      /authorization\.collections\.agent\.read\.eq: '\{subject\}' is not a placeholder/,
    ],
    ['a ** before the end', { channels: { 'a:**:b': { subscribe: true } } }, /authorization\.channels\['a:\*\*:b'\]: '\*\*' may only end a pattern/],
    ['a pattern for the tap', { channels: { '*': { subscribe: true } } }, /authorization\.channels\['\*'\]: '\*' is not a pattern/],
    [
      'a set field that is not a placeholder',
      { collections: { agent: { set: { owner: 'alice' } } } },
      /authorization\.collections\.agent\.set\.owner: 'alice' must be a placeholder/,
    ],
    [
      'a set field on a server field',
      { collections: { agent: { set: { version: '{sub}' } } } },
      /authorization\.collections\.agent\.set\.version: must be a top-level data field/,
    ],
    ['a bad field path', { collections: { agent: { read: { field: 'a-b', eq: 1 } } } }, /authorization\.collections\.agent\.read\.field: 'a-b' is not a field/],
    ['an empty any', { collections: { agent: { read: { any: [] } } } }, /authorization\.collections\.agent\.read\.any: must be a non-empty array/],
    ['a bad collection name', { collections: { 'no such!': { read: true } } }, /authorization\.collections\.no such!: 'no such!' is not a collection name/],
    ['a string that is no rule', { collections: { agent: { read: 'yes' as never } } }, /authorization\.collections\.agent\.read: 'yes' is not a rule/],
  ];
  for (const [what, authorization, message] of invalid) {
    it(`refuses ${what}, naming the rule, before opening anything`, () => {
      const { error, opened } = refusal({ auth, authorization });
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(message);
      expect(opened).toBe(false);
    });
  }
});

describe('rules without auth refuse to start', () => {
  const rulesOnly: Array<[string, NonNullable<HubOptions['authorization']>]> = [
    ['collection rules', { collections: { agent: { read: { field: 'owner', eq: '{sub}' } } } }],
    ['channel rules', { channels: { 'session:{sub}:*': { subscribe: true } } }],
    ['an authorize hook', { authorize: () => true }],
    ["defaultPolicy 'deny'", { defaultPolicy: 'deny' }],
  ];
  for (const [what, authorization] of rulesOnly) {
    it(`refuses ${what} on a hub without auth`, () => {
      const { error, opened } = refusal({ authorization });
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/authorization: rules need auth/);
      expect(opened).toBe(false);
    });
  }

  it("accepts the admin claim settings and defaultPolicy 'allow' without auth (they protect nothing there)", async () => {
    const t = tempDir();
    tmp.push(t);
    const h = createHub({ logLevel: 'silent', port: 0, db: join(t.dir, 'hub.db'), authorization: { adminClaim: 'groups', defaultPolicy: 'allow' } });
    await h.start();
    await h.stop();
  });

  it('accepts rules with a custom authenticator instead of auth', async () => {
    const t = tempDir();
    tmp.push(t);
    const h = createHub({
      logLevel: 'silent',
      port: 0,
      db: join(t.dir, 'hub.db'),
      authenticator: { authenticate: async (tok) => ({ sub: tok ?? 'nobody' }) },
      authorization: { defaultPolicy: 'deny' },
    });
    await h.start();
    const res = await fetch(`${h.url}/api/c/agent`, { headers: { authorization: 'Bearer alice' } });
    expect(res.status).toBe(403);
    await h.stop();
  });
});
