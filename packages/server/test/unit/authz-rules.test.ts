import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type Principal } from '../../src/auth.js';
import { bindRule, usesRecord, type Access } from '../../src/authz/bind-rule.js';
import { ChannelPattern } from '../../src/authz/channel-pattern.js';
import { viewChange } from '../../src/authz/change-view.js';
import { validateChannelRules, validateCollectionRules, validateRule } from '../../src/authz/rule-validation.js';
import type { Rule } from '../../src/authz/rules.js';
import type { Change, StoredRecord } from '../../src/store/store.js';

const alice: Principal = { sub: 'alice', claims: { sub: 'alice', role: 'user', teams: ['red', 'blue'], org: { id: 'o1' } } };
const ops: Principal = { sub: 'olga', claims: { sub: 'olga', role: ['user', 'ops'] } };
const ctx = { collection: 'agent', onError: () => undefined };

function rec(data: Record<string, unknown>, id = 'r1'): StoredRecord {
  return { collection: 'agent', id, version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', data };
}

function test(a: Access, r: StoredRecord): boolean {
  return typeof a === 'boolean' ? a : a.test(r);
}

describe('bindRule: partial evaluation against a principal', () => {
  it('folds claim rules to booleans and leaves field rules as predicates', () => {
    expect(bindRule({ claim: 'role', eq: 'user' }, alice, ctx)).toBe(true);
    expect(bindRule({ claim: 'role', in: ['ops', 'admin'] }, alice, ctx)).toBe(false);
    // An array claim holds the value.
    expect(bindRule({ claim: 'role', eq: 'ops' }, ops, ctx)).toBe(true);
    expect(bindRule({ claim: 'org.id', eq: 'o1' }, alice, ctx)).toBe(true);
    const own = bindRule({ field: 'owner', eq: '{sub}' }, alice, ctx);
    expect(typeof own).toBe('object');
    expect(test(own, rec({ owner: 'alice' }))).toBe(true);
    expect(test(own, rec({ owner: 'bob' }))).toBe(false);
    expect(test(own, rec({}))).toBe(false);
  });

  it('says which equalities a predicate implies, so lists can filter in SQL', () => {
    const a = bindRule(
      {
        all: [
          { field: 'owner', eq: '{sub}' },
          { field: 'org', eq: '{claims.org.id}' },
          { claim: 'role', eq: 'user' },
        ],
      },
      alice,
      ctx,
    );
    expect(typeof a === 'object' && a.eq).toEqual({ owner: 'alice', org: 'o1' });
    // Two different values for one field: nothing matches.
    expect(
      bindRule(
        {
          all: [
            { field: 'owner', eq: 'a' },
            { field: 'owner', eq: 'b' },
          ],
        },
        alice,
        ctx,
      ),
    ).toBe(false);
    const any = bindRule(
      {
        any: [
          { field: 'owner', eq: '{sub}' },
          { field: 'shared', eq: true },
        ],
      },
      alice,
      ctx,
    );
    expect(typeof any === 'object' && any.eq).toBeUndefined();
    expect(test(any, rec({ shared: true }))).toBe(true);
  });

  it('any / all / not fold with claims: an ops principal reads everything, others their own', () => {
    const rule: Rule = {
      any: [
        { claim: 'role', eq: 'ops' },
        { field: 'owner', eq: '{sub}' },
      ],
    };
    expect(bindRule(rule, ops, ctx)).toBe(true);
    expect(typeof bindRule(rule, alice, ctx)).toBe('object');
    expect(bindRule({ not: { claim: 'role', eq: 'ops' } }, ops, ctx)).toBe(false);
    const notOwn = bindRule({ not: { field: 'owner', eq: '{sub}' } }, alice, ctx);
    expect(test(notOwn, rec({ owner: 'bob' }))).toBe(true);
  });

  it('a missing claim matches nothing; `in` takes a list claim', () => {
    expect(bindRule({ field: 'org', eq: '{claims.nope}' }, alice, ctx)).toBe(false);
    expect(bindRule({ claim: 'nope', eq: 'x' }, alice, ctx)).toBe(false);
    const team = bindRule({ field: 'team', in: '{claims.teams}' }, alice, ctx);
    expect(test(team, rec({ team: 'blue' }))).toBe(true);
    expect(test(team, rec({ team: 'green' }))).toBe(false);
    expect(bindRule({ field: 'team', in: '{claims.teams}' }, { sub: 'x', claims: {} }, ctx)).toBe(false);
  });

  it('field rules use the list filter semantics: server fields, dotted paths, typed scalars', () => {
    expect(test(bindRule({ field: 'id', eq: 'r1' }, alice, ctx), rec({}))).toBe(true);
    expect(test(bindRule({ field: 'meta.owner', eq: '{sub}' }, alice, ctx), rec({ meta: { owner: 'alice' } }))).toBe(true);
    // The number 1 is not true.
    expect(test(bindRule({ field: 'on', eq: true }, alice, ctx), rec({ on: 1 }))).toBe(false);
    // Inherited members are no fields.
    expect(test(bindRule({ field: 'constructor', eq: 'x' }, alice, ctx), rec({}))).toBe(false);
  });

  it("'authenticated' is false for the anonymous principal only", () => {
    expect(bindRule('authenticated', alice, ctx)).toBe(true);
    expect(bindRule('authenticated', ANONYMOUS, ctx)).toBe(false);
  });

  it('a function rule reads the record; one that throws denies and is reported', () => {
    const errors: unknown[] = [];
    const c = { collection: 'agent', onError: (e: unknown) => errors.push(e) };
    const fn = bindRule(({ principal, record }) => record?.owner === principal.sub, alice, c);
    expect(test(fn, rec({ owner: 'alice' }))).toBe(true);
    const boom = bindRule(
      () => {
        throw new Error('boom');
      },
      alice,
      c,
    );
    expect(test(boom, rec({}))).toBe(false);
    expect(errors).toHaveLength(1);
    // On a channel there is no record: the function decides at once.
    expect(bindRule(({ principal }) => principal.sub === 'alice', alice, { channel: 'x:y', onError: () => undefined })).toBe(true);
  });

  it('usesRecord tells the rules that need `previous` in the log', () => {
    expect(usesRecord(true)).toBe(false);
    expect(usesRecord({ claim: 'role', eq: 'ops' })).toBe(false);
    expect(usesRecord({ any: [{ claim: 'role', eq: 'ops' }, { not: { field: 'owner', eq: '{sub}' } }] })).toBe(true);
    expect(usesRecord(() => true)).toBe(true);
  });
});

describe('ChannelPattern', () => {
  it('matches literals, one-segment *, trailing ** and placeholders', () => {
    const p = new ChannelPattern('session:{sub}:*');
    expect(p.matches('session:alice:tab1', alice)).toBe(true);
    expect(p.matches('session:bob:tab1', alice)).toBe(false);
    expect(p.matches('session:alice', alice)).toBe(false);
    expect(p.matches('session:alice:a:b', alice)).toBe(false);
    const rest = new ChannelPattern('workflow:run:**');
    expect(rest.matches('workflow:run:1', alice)).toBe(true);
    expect(rest.matches('workflow:run:1:step:2', alice)).toBe(true);
    expect(rest.matches('workflow:run', alice)).toBe(false);
    const team = new ChannelPattern('team:{claims.teams}');
    expect(team.matches('team:red', alice)).toBe(true);
    expect(team.matches('team:green', alice)).toBe(false);
    expect(new ChannelPattern('org:{claims.org.id}:chat').matches('org:o1:chat', alice)).toBe(true);
    expect(new ChannelPattern('x:{claims.missing}').matches('x:undefined', alice)).toBe(false);
  });

  it('refuses what is not a pattern', () => {
    expect(() => new ChannelPattern('*')).toThrow(/fixed admin rules/);
    expect(() => new ChannelPattern('system')).toThrow(/fixed admin rules/);
    expect(() => new ChannelPattern('a:**:b')).toThrow(/only end/);
    expect(() => new ChannelPattern('a:{nope}')).toThrow(/not a channel segment/);
  });
});

describe('rule validation names the rule', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ feild: 'owner', eq: 'x' }, /agent\.read: unknown rule/],
    [{ field: 'owner' }, /needs eq or in/],
    [{ field: 'owner', eq: 'x', extra: 1 }, /unknown rule key 'extra'/],
    [{ field: 'owner', eq: '{user}' }, /agent\.read\.eq: '\{user\}' is not a placeholder/],
    [{ field: 'a b', eq: 'x' }, /is not a field/],
    [{ field: 'owner', eq: { x: 1 } }, /must be a string, number/],
    [{ any: [] }, /non-empty array/],
    [{ any: [true, { claim: '', eq: 1 }] }, /agent\.read\.any\[1\]\.claim/],
    ['everyone', /'everyone' is not a rule/],
    [{ claim: 'role', in: '{claims.roles}' }, /must be a non-empty array/],
  ];
  for (const [rule, message] of bad) {
    it(`refuses ${JSON.stringify(rule)}`, () => {
      expect(() => validateCollectionRules('authorization.collections.agent', 'agent', { read: rule })).toThrow(message);
    });
  }

  it('accepts the documented shapes', () => {
    const rules: unknown[] = [
      true,
      'authenticated',
      { field: 'owner', eq: '{sub}' },
      { field: 'team', in: '{claims.teams}' },
      { field: 'status', in: ['a', 'b', null] },
      { all: [{ claim: 'role', in: ['ops'] }, { not: { field: 'archived', eq: true } }] },
      () => true,
    ];
    for (const r of rules) expect(() => validateRule('r', r, true)).not.toThrow();
  });

  it('channel rules have no record; set fields are placeholders on top-level data fields', () => {
    expect(() => validateChannelRules("authorization.channels['a:*']", 'a:*', { subscribe: { field: 'owner', eq: '{sub}' } })).toThrow(/have no record/);
    expect(() => validateChannelRules("authorization.channels['a:*']", 'a:*', { listen: true })).toThrow(/unknown rule key 'listen'/);
    expect(() => validateChannelRules("authorization.channels['*']", '*', {})).toThrow(/fixed admin rules/);
    expect(() => validateCollectionRules('c.agent', 'agent', { set: { owner: 'alice' } })).toThrow(/must be a placeholder/);
    expect(() => validateCollectionRules('c.agent', 'agent', { set: { version: '{sub}' } })).toThrow(/top-level data field/);
    expect(() => validateCollectionRules('c.Bad', 'Bad', {})).toThrow(/not a collection name/);
    expect(() => validateCollectionRules('c.agent', 'agent', { write: true })).toThrow(/unknown rule key 'write'/);
  });

  it('refuses rules nested too deep', () => {
    let r: unknown = true;
    for (let i = 0; i < 20; i++) r = { not: r };
    expect(() => validateRule('r', r, true)).toThrow(/nest at most/);
  });
});

describe('viewChange: a change as one reader sees it', () => {
  const own = bindRule({ field: 'owner', eq: '{sub}' }, alice, ctx);
  const rule = typeof own === 'object' ? own : undefined;
  const change = (action: Change['action'], record: Record<string, unknown>, previous?: Record<string, unknown>): Change => {
    const c: Change = { seq: 1, ts: '', collection: 'agent', id: 'r1', action, version: 2, record: rec(record), changed: [] };
    if (previous) c.previous = rec(previous);
    return c;
  };

  it('entering, leaving, staying in and out of the view', () => {
    expect(viewChange(change('updated', { owner: 'alice' }, { owner: 'alice' }), rule)).toBe('as-is');
    expect(viewChange(change('updated', { owner: 'alice' }, { owner: 'bob' }), rule)).toBe('created');
    expect(viewChange(change('updated', { owner: 'bob' }, { owner: 'alice' }), rule)).toBe('deleted');
    expect(viewChange(change('updated', { owner: 'bob' }, { owner: 'carol' }), rule)).toBe('hidden');
    expect(viewChange(change('created', { owner: 'bob' }), rule)).toBe('hidden');
    expect(viewChange(change('deleted', { owner: 'alice' }), rule)).toBe('as-is');
    expect(viewChange(change('deleted', { owner: 'bob' }), rule)).toBe('hidden');
    // Logged before the rule existed (no previous): taken as unmoved.
    expect(viewChange(change('updated', { owner: 'bob' }), rule)).toBe('hidden');
    expect(viewChange(change('updated', { owner: 'bob' }), undefined)).toBe('as-is');
  });
});
