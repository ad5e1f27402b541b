import { describe, expect, it } from 'vitest';
import {
  compareRecords,
  compareValues,
  encodeFilterValue,
  fieldValue,
  isListField,
  LIST_RESERVED_PARAMS,
  matchesFilter,
  matchesWhere,
  parseFilterValue,
  parseOrder,
  type FilterValue,
} from '../src/core.js';

// The same rules are held against a real hub's SQL in packages/react/test/list-semantics.test.ts.
describe('filter values: the JSON-scalar rule', () => {
  it('parses filters as JSON scalars when they are, else strings', () => {
    expect(parseFilterValue('idle')).toBe('idle');
    expect(parseFilterValue('3')).toBe(3);
    expect(parseFilterValue('"3"')).toBe('3');
    expect(parseFilterValue('true')).toBe(true);
    expect(parseFilterValue('null')).toBe(null);
    expect(parseFilterValue('{"a":1}')).toBe('{"a":1}');
    expect(parseFilterValue('[1]')).toBe('[1]');
    expect(parseFilterValue('')).toBe('');
  });

  it('encodes every value so that the hub parses it back to the same value', () => {
    const values: FilterValue[] = ['idle', '3', '-1.5', 'true', 'null', '"q"', '{"a":1}', '[1]', '', ' 3', 3, -0.5, true, false, null];
    for (const v of values) expect(parseFilterValue(encodeFilterValue(v)), JSON.stringify(v)).toBe(v);
    expect(encodeFilterValue('idle')).toBe('idle');
    expect(encodeFilterValue('3')).toBe('"3"');
  });

  it('never treats paging, order or credentials as filters', () => {
    expect([...LIST_RESERVED_PARAMS].sort()).toEqual(['clientId', 'cursor', 'limit', 'order', 'token']);
  });
});

describe('list fields', () => {
  it('accepts server fields and dotted identifiers up to four deep, nothing else', () => {
    for (const ok of ['id', 'version', 'createdAt', 'updatedAt', 'name', '_x', 'meta.owner', 'a.b.c.d', 'constructor']) expect(isListField(ok), ok).toBe(true);
    for (const bad of ['', 'a-b', '1a', 'a..b', 'a.b.c.d.e', '$x', 'a b', 'x'.repeat(65)]) expect(isListField(bad), bad).toBe(false);
  });

  it('reads dotted paths, and only own members (as json_extract does)', () => {
    const r = { id: 'r1', meta: { owner: 'ann', list: [1] } };
    expect(fieldValue(r, 'meta.owner')).toBe('ann');
    expect(fieldValue(r, 'meta.list.0')).toBeUndefined();
    expect(fieldValue(r, 'meta.nope')).toBeUndefined();
    expect(fieldValue(r, 'constructor')).toBeUndefined();
    expect(fieldValue(r, 'meta.toString')).toBeUndefined();
  });
});

describe('matching', () => {
  const r = { id: 'r1', version: 3, createdAt: 't', name: 'idle', n: 1, yes: true, none: null, obj: { a: 1 } };
  it.each<[string, FilterValue, boolean]>([
    ['name', 'idle', true],
    ['n', 1, true],
    ['n', '1', false],
    ['yes', true, true],
    ['yes', 1, true],
    ['n', true, false],
    ['none', null, true],
    ['absent', null, true],
    ['name', null, false],
    ['version', 3, true],
    ['version', '3', true],
    ['version', true, false],
    ['obj', '{"a":1}', true],
    ['toString', null, true],
  ])('%s = %j → %s', (field, value, expected) => {
    expect(matchesFilter(r, field, value)).toBe(expected);
  });

  it('ANDs filters', () => {
    expect(matchesWhere(r, { name: 'idle', n: 1 })).toBe(true);
    expect(matchesWhere(r, { name: 'idle', n: 2 })).toBe(false);
    expect(matchesWhere(r, undefined)).toBe(true);
  });
});

describe('ordering', () => {
  it('orders null and absent first, then numbers (booleans as 0/1), then text by code point', () => {
    const values: unknown[] = ['b', 'é', '😀', 'ｚ', 'B', '10', 2, true, false, -1, null];
    // (Array.prototype.sort puts undefined last without asking the comparator, so absent is checked apart.)
    expect([...values].sort(compareValues)).toEqual([null, -1, false, true, 2, '10', 'B', 'b', 'é', 'ｚ', '😀']);
    expect(compareValues(undefined, null)).toBe(0);
    expect(compareValues(undefined, -1)).toBeLessThan(0);
  });

  it('breaks ties by id in the same direction, default createdAt ascending', () => {
    expect(parseOrder(undefined)).toEqual({ field: 'createdAt', desc: false });
    expect(parseOrder('-meta.rank')).toEqual({ field: 'meta.rank', desc: true });
    const a = { id: 'a', v: 1 };
    const b = { id: 'b', v: 1 };
    expect(compareRecords(a, b, { field: 'v', desc: false })).toBeLessThan(0);
    expect(compareRecords(a, b, { field: 'v', desc: true })).toBeGreaterThan(0);
  });
});
