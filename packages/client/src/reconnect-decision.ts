import { closeAction } from '@livehub/protocol/core';
import { LivehubError } from './errors.js';
import type { TransportKind } from './options.js';

/** What the session knows when a connection (or an attempt at one) ends. Plain data. */
export interface ReconnectState {
  /** Transports in order of preference (`options.transports`). */
  readonly transports: readonly TransportKind[];
  /** Index (in `transports`) of the transport that ended. */
  readonly transportIndex: number;
  /** Attempts made in this round (one round tries each transport at most once). */
  readonly triedThisRound: number;
  /** The connection that ended had reached `welcome`. */
  readonly welcomed: boolean;
  /** Transports that have reached `welcome` in this client's life. */
  readonly proven: ReadonlySet<TransportKind>;
  /** Retries planned since the last `welcome`. */
  readonly attempts: number;
  /** `reconnect.maxAttempts`. */
  readonly maxAttempts: number;
  /** The app supplied `getToken`, so a refused token can be replaced. */
  readonly canRefreshToken: boolean;
  /** 4401 closes in a row before this one. */
  readonly authRejectedInARow: number;
}

/** Why the connection (attempt) ended. */
export type ReconnectEvent =
  /** The transport closed: a WebSocket close code, or the one a fallback transport maps its failure to. */
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string; readonly blocked?: boolean }
  /** `getToken` threw before an attempt could start (no transport was opened). */
  | { readonly kind: 'token-failed'; readonly code: number; readonly reason: string };

/** What to do next. `atOnce: false` means: wait the next full-jitter backoff delay. */
export type ReconnectStep =
  | { readonly kind: 'retry'; readonly atOnce: boolean }
  | { readonly kind: 'refresh-token-then-retry'; readonly atOnce: boolean }
  /** Try `index` right away, in the same round (the one that ended may be blocked on the way). */
  | { readonly kind: 'next-transport'; readonly index: number }
  /**
   * Close the client. `reason` is the close reason: `closed <code>` when the hub's code ends it,
   * `max_attempts` when `reconnect.maxAttempts` retries have failed.
   */
  | { readonly kind: 'stop'; readonly reason: string; readonly error: LivehubError };

/**
 * The reconnect policy, as a pure function: the close code's action (`closeAction`) first, then
 * transport fallback, then `maxAttempts`. The session carries out the step (timers, transports,
 * counters); nothing here has side effects.
 */
export function decideReconnect(s: ReconnectState, e: ReconnectEvent): ReconnectStep {
  if (e.kind === 'token-failed') return retryOrGiveUp(s, e, { kind: 'retry', atOnce: false });
  const action = closeAction(e.code);
  if (action === 'stop') {
    return {
      kind: 'stop',
      reason: `closed ${e.code}`,
      error: new LivehubError('forbidden', e.reason || `The hub refused this client (${e.code})`, { status: 403 }),
    };
  }
  if (action === 'refresh_token') {
    if (!s.canRefreshToken) {
      return {
        kind: 'stop',
        reason: `closed ${e.code}`,
        error: new LivehubError('unauthenticated', e.reason || `The hub refused the token (${e.code})`, { status: 401 }),
      };
    }
    // The first refusal in a row retries at once with a fresh token; refusals after that back off.
    return retryOrGiveUp(s, e, { kind: 'refresh-token-then-retry', atOnce: s.authRejectedInARow === 0 });
  }
  // An attempt that never got `welcome` may be a blocked transport: try the next one right away —
  // unless this transport has worked before and nothing says it is blocked, which looks like the
  // hub being away (trying the others would only multiply the load of a reconnect storm). From the
  // third failed round on, every round tries them all, in case the network now blocks it.
  const kind = s.transports[s.transportIndex];
  const moveOn = kind === undefined || !s.proven.has(kind) || e.blocked === true || s.attempts >= 2;
  if (!s.welcomed && moveOn && s.triedThisRound < s.transports.length) {
    return { kind: 'next-transport', index: (s.transportIndex + 1) % s.transports.length };
  }
  // 1001/4408 mean "this connection, not you": go again at once (the first time; failures after that back off).
  return retryOrGiveUp(s, e, { kind: 'retry', atOnce: action === 'reconnect_now' && s.welcomed });
}

function retryOrGiveUp(s: ReconnectState, e: ReconnectEvent, step: ReconnectStep): ReconnectStep {
  if (s.attempts < s.maxAttempts) return step;
  return {
    kind: 'stop',
    reason: 'max_attempts',
    error: new LivehubError('network_error', `Gave up after ${s.attempts} reconnect attempts (last: ${e.code} ${e.reason})`),
  };
}
