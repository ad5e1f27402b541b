export interface DebounceTiming {
  /**
   * Quiet time after the last event before the key is acted on.
   * @default 100
   */
  debounceMs?: number;
  /**
   * Longest a key waits under a steady stream of events, so a busy channel still refreshes.
   * @default 1000
   */
  maxWaitMs?: number;
}

interface Slot<V> {
  value: V;
  timer: ReturnType<typeof setTimeout>;
  firstAt: number;
}

/**
 * Trailing debounce per key with a ceiling: a burst of N calls for one key runs `run` once, a
 * steady stream at least every `maxWaitMs`. Keys are independent.
 */
export class KeyedDebouncer<V> {
  private readonly slots = new Map<string, Slot<V>>();
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly run: (value: V) => void,
    timing: DebounceTiming = {},
  ) {
    this.debounceMs = timing.debounceMs ?? 100;
    this.maxWaitMs = Math.max(this.debounceMs, timing.maxWaitMs ?? 1000);
  }

  schedule(key: string, value: V): void {
    const now = Date.now();
    const slot = this.slots.get(key);
    const firstAt = slot?.firstAt ?? now;
    if (slot) clearTimeout(slot.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, firstAt + this.maxWaitMs - now));
    const timer = setTimeout(() => {
      this.slots.delete(key);
      this.run(value);
    }, wait);
    this.slots.set(key, { value, timer, firstAt });
  }

  /** Drops everything pending (on unmount). */
  cancel(): void {
    for (const s of this.slots.values()) clearTimeout(s.timer);
    this.slots.clear();
  }

  get pending(): number {
    return this.slots.size;
  }
}
