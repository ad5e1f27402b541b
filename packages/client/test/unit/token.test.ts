import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenRefresher, jwtTimes, refreshTime } from '../../src/token.js';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'HS256' })}.${b64url(claims)}.sig`;

afterEach(() => {
  vi.useRealTimers();
});

describe('token refresh timing', () => {
  it('reads exp/iat from a JWT without verifying it, and nothing from other tokens', () => {
    expect(jwtTimes(jwt({ sub: 'ann', exp: 2000, iat: 1000, name: 'Zoë' }))).toEqual({ exp: 2000, iat: 1000 });
    expect(jwtTimes('opaque-token')).toBeUndefined();
    expect(jwtTimes('a.%%%.c')).toBeUndefined();
    expect(jwtTimes(jwt({ sub: 'x' }))).toEqual({});
  });

  it('refreshes 30 s before exp, or 10% of the lifetime if that is sooner to exp', () => {
    // One hour: 30 s before.
    expect(refreshTime(jwt({ iat: 0, exp: 3600 }), 0)).toBe(3_570_000);
    // One minute: 6 s before.
    expect(refreshTime(jwt({ iat: 0, exp: 60 }), 0)).toBe(54_000);
    // No iat: the lifetime counts from now.
    expect(refreshTime(jwt({ exp: 100 }), 0)).toBe(90_000);
    expect(refreshTime(jwt({ iat: 0, exp: 60 }), 0, { beforeExpiryMs: 1000, lifetimeRatio: 0.5 })).toBe(59_000);
    expect(refreshTime('opaque', 0)).toBeUndefined();
  });

  it('fires once per token at the planned time, never more often than once a second', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    let refreshes = 0;
    const r = new TokenRefresher({}, { now: () => Date.now(), refresh: () => refreshes++ });
    expect(r.schedule(jwt({ iat: 0, exp: 60 }))).toBe(54_000);
    vi.advanceTimersByTime(53_999);
    expect(refreshes).toBe(0);
    vi.advanceTimersByTime(1);
    expect(refreshes).toBe(1);
    // A token already due is refreshed after the floor, not in a loop.
    expect(r.schedule(jwt({ iat: 0, exp: 60 }))).toBe(1000);
    // …but the floor never pushes the refresh past the expiry.
    vi.setSystemTime(59_800);
    expect(r.schedule(jwt({ iat: 0, exp: 60 }))).toBe(100);
    r.cancel();
    vi.advanceTimersByTime(10_000);
    expect(refreshes).toBe(1);
    expect(r.schedule('opaque')).toBeUndefined();
  });
});
