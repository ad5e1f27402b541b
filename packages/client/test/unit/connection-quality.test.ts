import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Liveness } from '../../src/connection-quality.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function pinger(opts: Partial<ConstructorParameters<typeof Liveness>[1]> = {}, mode: 'ping' | 'passive' = 'ping') {
  const pings: string[] = [];
  let dead = 0;
  let changes = 0;
  const l = new Liveness(
    mode,
    { intervalMs: 1000, pongTimeoutMs: 500, poorRttMs: 200, deadAfterMissed: 2, ...opts },
    { sendPing: (id) => pings.push(id), changed: () => changes++, dead: () => dead++, now: () => Date.now() },
  );
  l.start();
  return { l, pings, dead: () => dead, changes: () => changes };
}

describe('connection quality', () => {
  it('is good with fast pongs and measures the RTT and the hub clock offset', () => {
    const p = pinger();
    vi.advanceTimersByTime(1000);
    expect(p.pings).toHaveLength(1);
    vi.advanceTimersByTime(40);
    p.l.pong(p.pings[0], Date.now() + 5000);
    expect(p.l.rttMs).toBe(40);
    expect(p.l.quality).toBe('good');
    expect(p.l.clockOffsetMs).toBe(5020);
  });

  it('is poor after a slow round trip, and good again after a fast one', () => {
    const p = pinger();
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(300);
    p.l.pong(p.pings[0], undefined);
    expect(p.l.quality).toBe('poor');
    vi.advanceTimersByTime(700);
    vi.advanceTimersByTime(10);
    p.l.pong(p.pings[1], undefined);
    expect(p.l.quality).toBe('good');
  });

  it('is poor after a missed pong; two missed in a row with silence in between mean dead', () => {
    const p = pinger();
    vi.advanceTimersByTime(1500);
    expect(p.l.quality).toBe('poor');
    expect(p.dead()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(p.dead()).toBe(1);
  });

  it('traffic while a pong is late is slowness, not death', () => {
    const p = pinger();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(1000);
      p.l.activity();
    }
    expect(p.l.quality).toBe('poor');
    expect(p.dead()).toBe(0);
    // A late pong for an old ping is ignored; the next answered one restores good.
    p.l.pong(p.pings[0], undefined);
    expect(p.l.quality).toBe('poor');
  });

  it('ignores pongs it did not ask for, and stops cleanly', () => {
    const p = pinger();
    p.l.pong('someone-else', 1);
    expect(p.l.rttMs).toBeUndefined();
    p.l.stop();
    vi.advanceTimersByTime(10_000);
    expect(p.pings).toHaveLength(0);
    expect(p.dead()).toBe(0);
  });

  it('passive mode (SSE heartbeats): poor after a late heartbeat, dead after two intervals of silence', () => {
    const p = pinger({}, 'passive');
    vi.advanceTimersByTime(1000);
    p.l.activity();
    expect(p.l.quality).toBe('good');
    vi.advanceTimersByTime(2000);
    expect(p.l.quality).toBe('poor');
    p.l.activity();
    expect(p.l.quality).toBe('good');
    vi.advanceTimersByTime(3000);
    expect(p.dead()).toBeGreaterThan(0);
    expect(p.pings).toEqual([]);
  });
});
