import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenManager, TokenRefresher, jwtTimes, refreshTime, type GetTokenContext, type TokenHooks } from '../../src/token.js';

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

describe('TokenManager', () => {
  const hooks = (over: Partial<TokenHooks> = {}) => {
    const presented: string[] = [];
    const errors: string[] = [];
    const h: TokenHooks = {
      now: () => Date.now(),
      present: (t) => presented.push(t),
      error: (e) => errors.push(e.message),
      active: () => true,
      ...over,
    };
    return { h, presented, errors };
  };

  it('without getToken: the fixed token, nothing to refresh, and no replacement after a 401', async () => {
    const m = new TokenManager({ token: 'fixed', tokenRefresh: {} }, hooks().h);
    expect(m.canRefresh).toBe(false);
    await expect(m.ensure()).resolves.toBe('fixed');
    await expect(m.replaceRejected()).resolves.toBeUndefined();
    expect(m.token).toBe('fixed');
  });

  it('fetches once for concurrent callers, then keeps the token while it is fresh', async () => {
    const reasons: string[] = [];
    let release!: (t: string) => void;
    const getToken = (ctx: GetTokenContext) => {
      reasons.push(ctx.reason);
      return new Promise<string>((r) => (release = r));
    };
    const m = new TokenManager({ getToken, tokenRefresh: {} }, hooks().h);
    const a = m.ensure();
    const b = m.ensure();
    release('t1');
    await expect(Promise.all([a, b])).resolves.toEqual(['t1', 't1']);
    await expect(m.ensure()).resolves.toBe('t1');
    expect(reasons).toEqual(['connect']);
  });

  it('after a rejection asks for a new token with reason rejected (a 401 over HTTP the same way)', async () => {
    const reasons: string[] = [];
    let n = 0;
    const m = new TokenManager({ token: 'old', getToken: (ctx) => (reasons.push(ctx.reason), `t${++n}`), tokenRefresh: {} }, hooks().h);
    m.markRejected();
    await expect(m.ensure()).resolves.toBe('t1');
    await expect(m.replaceRejected()).resolves.toBe('t2');
    expect(reasons).toEqual(['rejected', 'rejected']);
  });

  it('a token near its exp is renewed with reason expiring and presented on the live connection', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(59_000);
    const { h, presented } = hooks();
    const reasons: string[] = [];
    const m = new TokenManager({ token: jwt({ iat: 0, exp: 60 }), getToken: (ctx) => (reasons.push(ctx.reason), 'fresh'), tokenRefresh: {} }, h);
    await expect(m.ensure()).resolves.toBe('fresh');
    expect(reasons).toEqual(['expiring']);
    expect(presented).toEqual(['fresh']);
  });

  it('refreshes ahead of exp on its timer, presents the new token, and stops when cancelled', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const { h, presented } = hooks();
    let n = 0;
    const m = new TokenManager({ token: jwt({ iat: 0, exp: 60 }), getToken: () => jwt({ iat: 0, exp: 120, n: ++n }), tokenRefresh: {} }, h);
    m.scheduleRefresh();
    await vi.advanceTimersByTimeAsync(54_000);
    expect(presented).toHaveLength(1);
    expect(m.token).toBe(presented[0]);
    // The new token plans its own refresh (at 108 s); cancelled, it never comes.
    m.cancelRefresh();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(presented).toHaveLength(1);
  });

  it('a failing refresh is reported and keeps the current token; one landing after close is dropped', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const first = hooks();
    const failing = new TokenManager({ token: jwt({ iat: 0, exp: 60 }), getToken: () => Promise.reject(new Error('idp down')), tokenRefresh: {} }, first.h);
    failing.scheduleRefresh();
    await vi.advanceTimersByTimeAsync(54_000);
    expect(first.errors).toEqual(['getToken failed: idp down']);
    expect(first.presented).toEqual([]);

    let active = true;
    const second = hooks({ active: () => active });
    let release!: (t: string) => void;
    const late = new TokenManager({ token: jwt({ iat: 0, exp: 60 }), getToken: () => new Promise<string>((r) => (release = r)), tokenRefresh: {} }, second.h);
    late.scheduleRefresh();
    await vi.advanceTimersByTimeAsync(54_000);
    active = false;
    release('too-late');
    await vi.advanceTimersByTimeAsync(0);
    expect(second.presented).toEqual([]);
  });
});
