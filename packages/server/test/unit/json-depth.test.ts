import { describe, expect, it } from 'vitest';
import { jsonTextDepthExceeds } from '../../src/json-depth.js';

const nest = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

describe('jsonTextDepthExceeds', () => {
  it('counts containers, the outermost as 1, a scalar as 0', () => {
    expect(jsonTextDepthExceeds('1', 0)).toBe(false);
    expect(jsonTextDepthExceeds('{}', 0)).toBe(true);
    expect(jsonTextDepthExceeds('{}', 1)).toBe(false);
    expect(jsonTextDepthExceeds('{"a":[1]}', 1)).toBe(true);
    expect(jsonTextDepthExceeds('{"a":[1]}', 2)).toBe(false);
    expect(jsonTextDepthExceeds(nest(64), 64)).toBe(false);
    expect(jsonTextDepthExceeds(nest(65), 64)).toBe(true);
  });

  it('measures depth, not the number of containers', () => {
    expect(jsonTextDepthExceeds(JSON.stringify(Array.from({ length: 10_000 }, () => [{}])), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonTextDepthExceeds(JSON.stringify({ s: '[[[[{{{{' }), 1)).toBe(false);
    expect(jsonTextDepthExceeds(JSON.stringify({ s: 'say \\"[[[[\\" \\\\' }), 1)).toBe(false);
    expect(jsonTextDepthExceeds(JSON.stringify({ s: '\\', t: [[1]] }), 2)).toBe(true);
  });

  it('walks a million levels without recursion', () => {
    expect(jsonTextDepthExceeds('['.repeat(1_000_000) + ']'.repeat(1_000_000), 64)).toBe(true);
  });
});
