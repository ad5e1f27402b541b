import type { Store } from '../../src/index.js';

export interface StoreCall {
  method: string;
  args: unknown[];
}

/**
 * A store whose calls a test can see: how many are still running, and every one that has
 * returned. A positive barrier for "the hub is done with this request": once the call a handler
 * awaits has returned, the handler's synchronous continuation has run too (before the next poll).
 */
export class WatchedStore {
  readonly returned: StoreCall[] = [];
  private running = 0;
  readonly store: Store;

  constructor(inner: Store) {
    this.store = new Proxy(inner, {
      get: (target, prop) => {
        // The target as receiver: getters and methods see the real store (private fields work).
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          if (!(result instanceof Promise)) return result;
          this.running++;
          return result.finally(() => {
            this.running--;
            this.returned.push({ method: prop, args });
          });
        };
      },
    });
  }

  /** Calls started and not yet returned. */
  get inFlight(): number {
    return this.running;
  }

  /** Whether a call of `method` whose arguments satisfy `match` has returned. */
  hasReturned(method: string, match: (args: unknown[]) => boolean = () => true): boolean {
    return this.returned.some((c) => c.method === method && match(c.args));
  }
}
