/** One state change, as emitted by the client and by every subscription. */
export interface StateChange<S extends string> {
  from: S;
  to: S;
  /** Why, in a word or two: `'welcome'`, `'closed 1001'`, `'unsubscribe'`, … */
  reason: string;
}

/**
 * A finite state machine with an explicit transition table. Illegal moves throw: they are bugs in
 * the client, and failing loudly beats drifting into a state no diagram describes.
 */
export class StateMachine<S extends string> {
  private current: S;

  constructor(
    initial: S,
    private readonly allowed: Readonly<Record<S, readonly S[]>>,
    private readonly onChange: (change: StateChange<S>) => void,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  can(to: S): boolean {
    return this.allowed[this.current].includes(to);
  }

  /** Moves to `to`; returns false (and emits nothing) when already there. */
  to(to: S, reason: string): boolean {
    if (to === this.current) return false;
    if (!this.can(to)) throw new Error(`Illegal state change ${this.current} → ${to} (${reason})`);
    const from = this.current;
    this.current = to;
    this.onChange({ from, to, reason });
    return true;
  }
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/**
 * `connecting` is the first connection (and its retries); `reconnecting` is every attempt after a
 * connection was lost. `closed` is final: `close()`, 4403, a refused token without `getToken`, or
 * `reconnect.maxAttempts` exhausted.
 */
export const CLIENT_TRANSITIONS: Readonly<Record<ClientState, readonly ClientState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['connected', 'closed'],
  connected: ['reconnecting', 'closed'],
  reconnecting: ['connected', 'closed'],
  closed: [],
};

export type SubscriptionState = 'pending' | 'subscribed' | 'resyncing' | 'closed';

/**
 * `pending` until the hub first confirms; `resyncing` from a lost connection (or `resync_required`)
 * until the re-subscribe is confirmed; `closed` is final.
 */
export const SUBSCRIPTION_TRANSITIONS: Readonly<Record<SubscriptionState, readonly SubscriptionState[]>> = {
  pending: ['subscribed', 'closed'],
  subscribed: ['resyncing', 'closed'],
  resyncing: ['subscribed', 'closed'],
  closed: [],
};
