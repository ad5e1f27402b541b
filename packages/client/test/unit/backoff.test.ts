import WebSocket from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Backoff, backoffCeiling, backoffDelay } from '../../src/backoff.js';
import { createClient, type ReconnectInfo, type WebSocketConstructor } from '../../src/index.js';
import { freePort } from '../helpers/hub-process.js';
import { seededRandom } from '../helpers/recorder.js';

afterEach(() => {
  vi.useRealTimers();
});

const curve = { initialDelayMs: 500, factor: 1.5, maxDelayMs: 20_000 };

describe('full-jitter backoff', () => {
  it('has the configured ceiling: min(cap, initial × factor^attempt)', () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffCeiling(a, curve))).toEqual([500, 750, 1125, 1687.5, 2531.25]);
    expect(backoffCeiling(50, curve)).toBe(20_000);
    // Far past the cap the power overflows to Infinity; the cap still holds.
    expect(backoffCeiling(5000, curve)).toBe(20_000);
  });

  it('draws each delay uniformly from [0, ceiling)', () => {
    expect(backoffDelay(3, curve, () => 0)).toBe(0);
    expect(backoffDelay(3, curve, () => 0.5)).toBe(843);
    expect(backoffDelay(3, curve, () => 0.999999)).toBe(1687);
    const random = seededRandom(7);
    for (let a = 0; a < 40; a++) {
      const d = backoffDelay(a, curve, random);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(backoffCeiling(a, curve));
    }
  });

  it('schedules retries along the curve under fake timers, and restarts after reset()', async () => {
    vi.useFakeTimers();
    const b = new Backoff(curve, seededRandom(1));
    const expected = seededRandom(1);
    const fired: number[] = [];
    for (let a = 0; a < 12; a++) {
      const delay = b.next();
      expect(delay).toBe(Math.floor(expected() * backoffCeiling(a, curve)));
      const start = Date.now();
      await new Promise<void>((resolve) => {
        setTimeout(() => {
          fired.push(Date.now() - start);
          resolve();
        }, delay);
        vi.advanceTimersByTime(delay);
      });
    }
    expect(b.attempts).toBe(12);
    expect(fired.every((ms, a) => ms < backoffCeiling(a, curve))).toBe(true);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBeLessThan(500);
  });
});

describe('client reconnect delays (fake timers, a real closed port)', () => {
  it('waits exactly the full-jitter delay before each attempt and gives up after maxAttempts', async () => {
    const port = await freePort();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    let sockets = 0;
    // The real `ws` client, counted: every attempt is a real connection refused by the OS.
    class CountingWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets++;
      }
    }
    const reconnect = { initialDelayMs: 1000, factor: 2, maxDelayMs: 8000, maxAttempts: 6, random: seededRandom(42) };
    const c = createClient({
      url: `http://127.0.0.1:${port}`,
      transports: ['websocket'],
      WebSocket: CountingWebSocket as unknown as WebSocketConstructor,
      reconnect,
    });
    const closed = new Promise<void>((resolve) => c.on('state', (s) => s.to === 'closed' && resolve()));
    const plans: ReconnectInfo[] = [];
    const waiters: Array<() => void> = [];
    c.on('reconnect', (r) => {
      plans.push(r);
      waiters.splice(0).forEach((w) => w());
    });
    const nextPlan = (n: number) => new Promise<void>((resolve) => (plans.length >= n ? resolve() : waiters.push(resolve)));
    const expected = seededRandom(42);
    for (let attempt = 0; attempt < 6; attempt++) {
      await nextPlan(attempt + 1);
      const delay = Math.floor(expected() * Math.min(8000, 1000 * 2 ** attempt));
      expect(plans[attempt]).toMatchObject({ attempt: attempt + 1, delayMs: delay, code: 1006 });
      expect(c.status.getSnapshot()).toMatchObject({ state: 'connecting', reconnectAttempts: attempt + 1, isConnected: false });
      const before = sockets;
      if (delay > 0) {
        await vi.advanceTimersByTimeAsync(delay - 1);
        expect(sockets).toBe(before);
      }
      await vi.advanceTimersByTimeAsync(1);
      expect(sockets).toBe(before + 1);
    }
    await closed;
    expect(plans).toHaveLength(6);
    expect(c.state).toBe('closed');
  });
});
