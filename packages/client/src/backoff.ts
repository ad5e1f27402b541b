/** Shape of the exponential curve; see `ReconnectOptions` for the defaults. */
export interface BackoffCurve {
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

/** Upper bound of the delay before retry number `attempt` (0-based): `min(cap, initial × factor^attempt)`. */
export function backoffCeiling(attempt: number, curve: BackoffCurve): number {
  return Math.min(curve.maxDelayMs, curve.initialDelayMs * curve.factor ** attempt);
}

/**
 * "Full jitter": a uniformly random delay in `[0, ceiling)`. Of the strategies compared in AWS's
 * "Exponential Backoff And Jitter" (Marc Brooker, AWS Architecture Blog, 2015) it spreads a herd
 * of clients that lost the same server the most, with the least total work; centrifuge-js uses it
 * for the same reason. `random` returns a number in [0, 1), like Math.random.
 */
export function backoffDelay(attempt: number, curve: BackoffCurve, random: () => number): number {
  return Math.floor(random() * backoffCeiling(attempt, curve));
}

/** Counts consecutive failures and hands out the next delay. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly curve: BackoffCurve,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failures so far since the last `reset()`. */
  get attempts(): number {
    return this.attempt;
  }

  /** Delay before the next retry; each call moves one step up the curve. */
  next(): number {
    return backoffDelay(this.attempt++, this.curve, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}
