import { describe, expect, it } from 'vitest';
import { mergePatch } from '../src/index.js';

describe('mergePatch (RFC 7386)', () => {
  // RFC 7386, Appendix A: every example, as [target, patch, result].
  const examples: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(examples)('%j + %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });

  it('is what the hub applies to stored data', () => {
    expect(mergePatch({ a: 1, b: { c: 1, d: 2 }, e: [1] }, { a: null, b: { c: null, x: 1 }, e: [2], f: 'n' })).toEqual({ b: { d: 2, x: 1 }, e: [2], f: 'n' });
  });

  it('changes neither input', () => {
    const target = { a: { b: 1 }, keep: true };
    const patch = { a: { b: null, c: 2 } };
    mergePatch(target, patch);
    expect(target).toEqual({ a: { b: 1 }, keep: true });
    expect(patch).toEqual({ a: { b: null, c: 2 } });
  });

  it('keeps a member named __proto__ as data instead of setting the prototype', () => {
    const patch = JSON.parse('{"__proto__":{"x":1},"n":{"__proto__":{"y":2}}}') as Record<string, unknown>;
    const out = mergePatch({}, patch);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":1},"n":{"__proto__":{"y":2}}}');
  });
});
