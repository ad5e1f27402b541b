import { CloseCode, closeAction } from '@livehub/protocol/core';
import { describe, expect, it } from 'vitest';
import type { TransportKind } from '../../src/options.js';
import { decideReconnect, type ReconnectEvent, type ReconnectState } from '../../src/reconnect-decision.js';

const ALL: TransportKind[] = ['websocket', 'sse', 'long-poll'];

/** A welcomed WebSocket connection that ended, every transport available, none proven but WebSocket. */
function state(over: Partial<ReconnectState> = {}): ReconnectState {
  return {
    transports: ALL,
    transportIndex: 0,
    triedThisRound: 1,
    welcomed: true,
    proven: new Set<TransportKind>(['websocket']),
    attempts: 0,
    maxAttempts: Infinity,
    canRefreshToken: false,
    authRejectedInARow: 0,
    ...over,
  };
}
const closed = (code: number, over: { blocked?: boolean } = {}): ReconnectEvent => ({ kind: 'closed', code, reason: 'why', ...over });

describe('decideReconnect: close codes (through closeAction)', () => {
  // Every code of the catalogue, plus one this protocol version does not know, on a welcomed connection.
  const table: Array<[string, number, ReturnType<typeof decideReconnect>['kind'], boolean | undefined]> = [
    ['Normal', CloseCode.Normal, 'retry', false],
    ['GoingAway', CloseCode.GoingAway, 'retry', true],
    ['Abnormal', CloseCode.Abnormal, 'retry', false],
    ['Policy', CloseCode.Policy, 'retry', false],
    ['TooBig', CloseCode.TooBig, 'retry', false],
    ['ProtocolError', CloseCode.ProtocolError, 'retry', false],
    ['SlowConsumer', CloseCode.SlowConsumer, 'retry', true],
    ['TooManyConnections', CloseCode.TooManyConnections, 'retry', false],
    ['unknown 4999', 4999, 'retry', false],
    ['Forbidden', CloseCode.Forbidden, 'stop', undefined],
    ['Unauthenticated without getToken', CloseCode.Unauthenticated, 'stop', undefined],
  ];
  it.each(table)('%s (%i) after welcome → %s (atOnce %s)', (_name, code, kind, atOnce) => {
    const step = decideReconnect(state(), closed(code));
    expect(step.kind).toBe(kind);
    if (step.kind === 'retry') expect(step.atOnce).toBe(atOnce);
  });

  it('covers every close action of the catalogue', () => {
    const actions = new Set(table.map(([, code]) => closeAction(code)));
    expect([...actions].sort()).toEqual(['reconnect', 'reconnect_now', 'refresh_token', 'stop']);
  });

  it('stop carries a documented error and the close reason', () => {
    const forbidden = decideReconnect(state(), closed(CloseCode.Forbidden));
    expect(forbidden).toMatchObject({ kind: 'stop', reason: 'closed 4403', error: { code: 'forbidden', status: 403, message: 'why' } });
    const unauth = decideReconnect(state(), { kind: 'closed', code: CloseCode.Unauthenticated, reason: '' });
    expect(unauth).toMatchObject({
      kind: 'stop',
      reason: 'closed 4401',
      error: { code: 'unauthenticated', status: 401, message: 'The hub refused the token (4401)' },
    });
  });

  it('reconnect_now codes go at once only after a welcome: a failed attempt backs off', () => {
    for (const code of [CloseCode.GoingAway, CloseCode.SlowConsumer]) {
      expect(decideReconnect(state({ welcomed: true }), closed(code))).toEqual({ kind: 'retry', atOnce: true });
      // Not welcomed, proven transport, nothing blocked: the hub is away, back off.
      expect(decideReconnect(state({ welcomed: false }), closed(code))).toEqual({ kind: 'retry', atOnce: false });
    }
  });
});

describe('decideReconnect: getToken', () => {
  it('4401 with getToken: the first refusal in a row refreshes and retries at once, later ones back off', () => {
    expect(decideReconnect(state({ canRefreshToken: true }), closed(CloseCode.Unauthenticated))).toEqual({ kind: 'refresh-token-then-retry', atOnce: true });
    expect(decideReconnect(state({ canRefreshToken: true, authRejectedInARow: 1 }), closed(CloseCode.Unauthenticated))).toEqual({
      kind: 'refresh-token-then-retry',
      atOnce: false,
    });
  });

  it('4401 refreshes the token rather than moving to another transport, welcomed or not', () => {
    const s = state({ canRefreshToken: true, welcomed: false, proven: new Set(), triedThisRound: 1 });
    expect(decideReconnect(s, closed(CloseCode.Unauthenticated)).kind).toBe('refresh-token-then-retry');
  });

  it('a getToken that throws backs off (no transport was tried), then gives up at maxAttempts', () => {
    const failed: ReconnectEvent = { kind: 'token-failed', code: CloseCode.Abnormal, reason: 'getToken failed: boom' };
    expect(decideReconnect(state({ welcomed: false, proven: new Set() }), failed)).toEqual({ kind: 'retry', atOnce: false });
    expect(decideReconnect(state({ attempts: 3, maxAttempts: 3 }), failed)).toMatchObject({
      kind: 'stop',
      reason: 'max_attempts',
      error: { code: 'network_error' },
    });
  });
});

describe('decideReconnect: transports', () => {
  it('an unproven transport that never greeted: the next one at once, wrapping around, until each was tried this round', () => {
    const fresh = state({ welcomed: false, proven: new Set() });
    expect(decideReconnect(fresh, closed(CloseCode.Abnormal))).toEqual({ kind: 'next-transport', index: 1 });
    expect(decideReconnect({ ...fresh, transportIndex: 1, triedThisRound: 2 }, closed(CloseCode.Abnormal))).toEqual({ kind: 'next-transport', index: 2 });
    // A round that started on the fallback (index 2) wraps to the first.
    expect(decideReconnect({ ...fresh, transportIndex: 2, triedThisRound: 1 }, closed(CloseCode.Abnormal))).toEqual({ kind: 'next-transport', index: 0 });
    // Every transport tried this round: back off.
    expect(decideReconnect({ ...fresh, transportIndex: 2, triedThisRound: 3 }, closed(CloseCode.Abnormal))).toEqual({ kind: 'retry', atOnce: false });
  });

  it('a proven transport that fails to greet looks like the hub being away: back off, no fan-out to the others', () => {
    expect(decideReconnect(state({ welcomed: false }), closed(CloseCode.Abnormal))).toEqual({ kind: 'retry', atOnce: false });
  });

  it('…unless it was blocked on the way, or two rounds have failed already', () => {
    expect(decideReconnect(state({ welcomed: false }), closed(CloseCode.Abnormal, { blocked: true }))).toEqual({ kind: 'next-transport', index: 1 });
    expect(decideReconnect(state({ welcomed: false, attempts: 1 }), closed(CloseCode.Abnormal))).toEqual({ kind: 'retry', atOnce: false });
    expect(decideReconnect(state({ welcomed: false, attempts: 2 }), closed(CloseCode.Abnormal))).toEqual({ kind: 'next-transport', index: 1 });
  });

  it('a welcomed connection that ends retries (from the start of a round) rather than moving on', () => {
    expect(decideReconnect(state({ welcomed: true, proven: new Set() }), closed(CloseCode.Abnormal, { blocked: true }))).toEqual({
      kind: 'retry',
      atOnce: false,
    });
  });

  it('with a single transport there is nothing to fall back to', () => {
    expect(decideReconnect(state({ transports: ['sse'], welcomed: false, proven: new Set() }), closed(CloseCode.Abnormal))).toEqual({
      kind: 'retry',
      atOnce: false,
    });
  });
});

describe('decideReconnect: maxAttempts', () => {
  it('retries while attempts < maxAttempts, then stops with max_attempts', () => {
    expect(decideReconnect(state({ attempts: 4, maxAttempts: 5 }), closed(CloseCode.Abnormal)).kind).toBe('retry');
    expect(decideReconnect(state({ attempts: 5, maxAttempts: 5 }), closed(CloseCode.Abnormal))).toMatchObject({
      kind: 'stop',
      reason: 'max_attempts',
      error: { code: 'network_error', message: 'Gave up after 5 reconnect attempts (last: 1006 why)' },
    });
  });

  it('applies to at-once retries and token refreshes too, but not to a fallback within the round', () => {
    const spent = { attempts: 2, maxAttempts: 2 };
    expect(decideReconnect(state(spent), closed(CloseCode.GoingAway)).kind).toBe('stop');
    expect(decideReconnect(state({ ...spent, canRefreshToken: true }), closed(CloseCode.Unauthenticated)).kind).toBe('stop');
    expect(decideReconnect(state({ ...spent, welcomed: false, proven: new Set() }), closed(CloseCode.Abnormal))).toEqual({ kind: 'next-transport', index: 1 });
  });

  it('maxAttempts 0 gives up on the first loss', () => {
    expect(decideReconnect(state({ maxAttempts: 0 }), closed(CloseCode.Normal)).kind).toBe('stop');
  });

  it('is pure: the same input gives the same step, and the input is not changed', () => {
    const s = state({ welcomed: false, proven: new Set(['sse']) });
    const before = JSON.stringify({ ...s, proven: [...s.proven] });
    const a = decideReconnect(s, closed(CloseCode.Abnormal));
    const b = decideReconnect(s, closed(CloseCode.Abnormal));
    expect(a).toEqual(b);
    expect(JSON.stringify({ ...s, proven: [...s.proven] })).toBe(before);
  });
});
