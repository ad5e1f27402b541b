import { describe, expect, it } from 'vitest';
import { RequestRate } from '../../src/http/request-rate.js';

describe('RequestRate: token buckets per key, bounded', () => {
  it('allows the burst, then refuses with the time until the next token, and refills at the rate', () => {
    const rate = new RequestRate(2, 3);
    const t = 1_000_000;
    expect([rate.take('a', t), rate.take('a', t), rate.take('a', t)]).toEqual([0, 0, 0]);
    expect(rate.take('a', t)).toBe(500);
    // A refusal spends nothing: a quarter of a second later, a quarter of a second is left.
    expect(rate.take('a', t + 250)).toBe(250);
    expect(rate.take('a', t + 500)).toBe(0);
    expect(rate.take('a', t + 500)).toBe(500);
    // Other keys are untouched.
    expect(rate.take('b', t + 500)).toBe(0);
  });

  it('sweep drops only the buckets that have refilled to their burst', () => {
    const rate = new RequestRate(1, 2);
    const t = 0;
    rate.take('spent', t);
    rate.take('spent', t);
    rate.take('once', t + 1500);
    expect(rate.size).toBe(2);
    // At t+2000 'spent' is full again (2 tokens in 2 s); 'once' still misses half a token.
    expect(rate.sweep(t + 2000)).toBe(1);
    expect(rate.size).toBe(1);
    expect(rate.sweep(t + 2500)).toBe(1);
    expect(rate.size).toBe(0);
  });

  it('holds at most maxKeys, dropping the least recently used', () => {
    const rate = new RequestRate(1, 1, 3);
    const t = 0;
    for (const k of ['a', 'b', 'c']) expect(rate.take(k, t)).toBe(0);
    // 'a' is used again (refused: its bucket is empty), so 'b' is now the oldest.
    expect(rate.take('a', t)).toBeGreaterThan(0);
    expect(rate.take('d', t)).toBe(0);
    expect(rate.size).toBe(3);
    // 'b' was dropped: it starts afresh. That evicts 'c'; 'a' is still held, still empty.
    expect(rate.take('b', t)).toBe(0);
    expect(rate.take('a', t)).toBeGreaterThan(0);
    expect(rate.take('c', t)).toBe(0);
  });

  it('a flood of distinct keys within one sweep interval stays at the cap', () => {
    const rate = new RequestRate(50, 200, 1000);
    for (let i = 0; i < 20_000; i++) rate.take(`ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 0);
    expect(rate.size).toBe(1000);
  });
});
