import { afterEach, describe, expect, it, vi } from 'vitest';
import { onBrowserWake } from '../../src/browser-wake.js';
import { RetryTimer } from '../../src/retry-timer.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A window and document as far as the wake listener uses them. */
function fakeBrowser(visibility: string | undefined = 'visible') {
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: visibility });
  const g = {
    addEventListener: win.addEventListener.bind(win),
    removeEventListener: win.removeEventListener.bind(win),
    document: doc as EventTarget & { visibilityState?: string },
  };
  return { g, win, doc };
}

describe('onBrowserWake', () => {
  it('wakes on online and on becoming visible, not on hiding, and stops after detach', () => {
    const { g, win, doc } = fakeBrowser();
    let wakes = 0;
    const detach = onBrowserWake(() => wakes++, g);
    win.dispatchEvent(new Event('online'));
    expect(wakes).toBe(1);
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(wakes).toBe(1);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(wakes).toBe(2);
    detach();
    win.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(wakes).toBe(2);
  });

  it('does nothing outside a browser (no window events or no document)', () => {
    let wakes = 0;
    const detach = onBrowserWake(() => wakes++, {});
    detach();
    expect(wakes).toBe(0);
  });
});

describe('RetryTimer', () => {
  it('runs after the full-jitter delay, or at once, and a wake cuts only a wait in progress short', () => {
    vi.useFakeTimers();
    const { g, win } = fakeBrowser();
    let runs = 0;
    const t = new RetryTimer(
      { initialDelayMs: 1000, factor: 2, maxDelayMs: 8000 },
      () => 0.5,
      () => runs++,
      (fn) => onBrowserWake(fn, g),
    );
    t.start();
    expect(t.plan(false)).toBe(500);
    vi.advanceTimersByTime(499);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(1);
    // No wait in progress: a wake does nothing.
    win.dispatchEvent(new Event('online'));
    expect(runs).toBe(1);
    // The curve moved up (1000 × 2 × 0.5), and a wake ends the wait now.
    expect(t.plan(false)).toBe(1000);
    win.dispatchEvent(new Event('online'));
    expect(runs).toBe(2);
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(2);
    t.reset();
    expect(t.plan(false)).toBe(500);
    t.stop();
    vi.advanceTimersByTime(10_000);
    win.dispatchEvent(new Event('online'));
    expect(runs).toBe(2);
    expect(t.plan(true)).toBe(0);
    vi.advanceTimersByTime(0);
    expect(runs).toBe(3);
  });
});
