import { describe, expect, it } from 'vitest';
import { parseIfMatch } from '../../src/http/collection-routes.js';
import { parseListQuery } from '../../src/http/list-params.js';
import { changedFields } from '../../src/store/changed-fields.js';
import { newRecordId } from '../../src/ids.js';

describe('If-Match', () => {
  it('reads bare, quoted and weak versions; refuses junk', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"12"')).toBe(12);
    for (const bad of ['', 'x', '"-1"', '1.5', '*']) expect(() => parseIfMatch(bad)).toThrow(/If-Match/);
  });
});

describe('list query', () => {
  // The JSON-scalar rule itself (parseFilterValue) is tested in packages/protocol/test/list-match.test.ts.
  it('types filter values by the JSON-scalar rule', () => {
    expect(parseListQuery({ s: 'idle', n: '3', q: '"3"', b: 'true', z: 'null' }, { default: 50, max: 100 }).filters).toEqual({
      s: 'idle',
      n: 3,
      q: '3',
      b: true,
      z: null,
    });
  });

  it('reads limit, order and filters, refusing bad ones', () => {
    const limits = { default: 50, max: 100 };
    expect(parseListQuery({}, limits)).toEqual({ filters: {}, order: { field: 'createdAt', dir: 'asc' }, limit: 50 });
    expect(parseListQuery({ order: '-meta.rank', status: 'idle', limit: '5', cursor: 'abc' }, limits)).toEqual({
      filters: { status: 'idle' },
      order: { field: 'meta.rank', dir: 'desc' },
      limit: 5,
      cursor: 'abc',
    });
    expect(() => parseListQuery({ limit: '101' }, limits)).toThrow(/limit/);
    expect(() => parseListQuery({ status: ['a', 'b'] }, limits)).toThrow(/once/);
    expect(() => parseListQuery({ 'a-b': '1' }, limits)).toThrow(/filter field/);
    expect(() => parseListQuery({ order: '$x' }, limits)).toThrow(/order/);
  });
});

describe('record data helpers', () => {
  // mergePatch (RFC 7386) moved to @livehub/protocol: packages/protocol/test/merge-patch.test.ts.
  it('lists changed top-level fields, deep-comparing values', () => {
    expect(changedFields({ a: 1, b: { x: [1] }, c: 1 }, { a: 1, b: { x: [1] }, d: 2 })).toEqual(['c', 'd']);
    expect(changedFields(undefined, { z: 1, a: 2 })).toEqual(['a', 'z']);
  });

  it('makes time-ordered ids', () => {
    const a = newRecordId(1_000_000);
    const b = newRecordId(2_000_000);
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[0-9a-z]{26}$/);
    expect(newRecordId()).not.toBe(newRecordId());
  });
});
