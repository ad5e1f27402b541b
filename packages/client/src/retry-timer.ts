import { Backoff, type BackoffCurve } from './backoff.js';
import { onBrowserWake } from './browser-wake.js';

/**
 * When the next round of connection attempts starts: after a full-jitter backoff delay (or at
 * once), and early when the browser comes back online or the tab becomes visible again.
 */
export class RetryTimer {
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private detachWake: (() => void) | undefined;

  constructor(
    curve: BackoffCurve,
    random: () => number,
    private readonly run: () => void,
    /** Where wake-ups come from (the browser's, by default; tests hand in their own). */
    private readonly watchWake: (wake: () => void) => () => void = onBrowserWake,
  ) {
    this.backoff = new Backoff(curve, random);
  }

  /** Starts listening for the browser's wake-ups (until {@link stop}). */
  start(): void {
    this.detachWake ??= this.watchWake(() => {
      // Only a wait in progress is cut short.
      if (this.timer === undefined) return;
      this.fire();
    });
  }

  /** Plans the next round, replacing any planned one; returns its delay. */
  plan(atOnce: boolean): number {
    const delayMs = atOnce ? 0 : this.backoff.next();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), delayMs);
    return delayMs;
  }

  /** A connection succeeded: the next failure starts at the bottom of the curve. */
  reset(): void {
    this.backoff.reset();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.detachWake?.();
    this.detachWake = undefined;
  }

  private fire(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.run();
  }
}
