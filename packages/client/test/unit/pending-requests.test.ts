import { afterEach, describe, expect, it, vi } from 'vitest';
import { LivehubError } from '../../src/errors.js';
import { PendingRequests } from '../../src/pending-requests.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('PendingRequests', () => {
  it('hands out ids that are never reused, across kinds', async () => {
    const p = new PendingRequests<string>();
    const pub = p.publish(1000, 'x');
    const ids = [p.subscribe('a'), p.unsubscribe(), pub.id, p.subscribe('b')];
    expect(new Set(ids).size).toBe(4);
    p.rejectAll(new LivehubError('network_error', 'gone'));
    await expect(pub.acked).rejects.toThrow('gone');
    expect(ids).not.toContain(p.unsubscribe());
  });

  it('a re-subscribe replaces the earlier request of the same subscription', () => {
    const p = new PendingRequests<string>();
    const first = p.subscribe('a');
    const second = p.subscribe('a', first);
    expect(p.get(first)).toBeUndefined();
    expect(p.get(second)).toEqual({ kind: 'subscribe', sub: 'a' });
    // An answer to a subscribe leaves it pending (replies are routed by it until it is replaced).
    expect(p.answer(second)).toEqual({ kind: 'subscribe', sub: 'a' });
    expect(p.size).toBe(1);
  });

  it('resolves a publish on its ack and rejects it on an error answer', async () => {
    const p = new PendingRequests<string>();
    const ok = p.publish(10_000, 'publish on x');
    const bad = p.publish(10_000, 'publish on y');
    p.answer(ok.id);
    await expect(ok.acked).resolves.toBeUndefined();
    const err = new LivehubError('forbidden', 'no');
    p.answer(bad.id, err);
    await expect(bad.acked).rejects.toBe(err);
    expect(p.size).toBe(0);
    // A second answer for the same id finds nothing.
    expect(p.answer(ok.id)).toBeUndefined();
  });

  it('rejects a publish with timeout when no answer comes in time, and forgets it', async () => {
    vi.useFakeTimers();
    const p = new PendingRequests<string>();
    const { id, acked } = p.publish(500, "publish on 'x'");
    const seen = acked.catch((e: unknown) => e);
    vi.advanceTimersByTime(499);
    expect(p.get(id)).toBeDefined();
    vi.advanceTimersByTime(1);
    const err = (await seen) as LivehubError;
    expect(err).toBeInstanceOf(LivehubError);
    expect(err.code).toBe('timeout');
    expect(err.message).toBe("No ack for publish on 'x' within 500 ms");
    expect(p.get(id)).toBeUndefined();
  });

  it('rejectAll rejects every waiting publish with the given error and forgets everything, timers included', async () => {
    vi.useFakeTimers();
    const p = new PendingRequests<string>();
    const a = p.publish(500, 'a');
    const b = p.publish(500, 'b');
    p.subscribe('s');
    p.unsubscribe();
    const err = new LivehubError('client_closed', 'closed');
    p.rejectAll(err);
    await expect(a.acked).rejects.toBe(err);
    await expect(b.acked).rejects.toBe(err);
    expect(p.size).toBe(0);
    // The timeouts were cleared: nothing fires later.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forget drops a publish that could not be sent, without settling it or leaving its timer', () => {
    vi.useFakeTimers();
    const p = new PendingRequests<string>();
    const { id, acked } = p.publish(500, 'a');
    let settled = false;
    acked.then(
      () => (settled = true),
      () => (settled = true),
    );
    p.forget(id);
    expect(p.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(settled).toBe(false);
  });
});
