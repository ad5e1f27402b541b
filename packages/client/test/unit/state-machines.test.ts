import { describe, expect, it } from 'vitest';
import type { EventMessage, SubscribedMessage } from '@livehub/protocol';
import { CLIENT_TRANSITIONS, StateMachine, SUBSCRIPTION_TRANSITIONS, type StateChange } from '../../src/state-machine.js';
import { Subscription, type ResetInfo } from '../../src/subscription.js';

describe('state machine', () => {
  it('emits { from, to, reason } for legal moves, nothing for a no-op, and throws on illegal ones', () => {
    const seen: StateChange<string>[] = [];
    const m = new StateMachine('idle', CLIENT_TRANSITIONS, (c) => seen.push(c));
    expect(m.to('connecting', 'connect')).toBe(true);
    expect(m.to('connecting', 'again')).toBe(false);
    m.to('connected', 'welcome');
    m.to('reconnecting', 'closed 1001');
    m.to('connected', 'welcome');
    expect(() => m.to('connecting', 'nope')).toThrow(/Illegal state change connected → connecting/);
    m.to('closed', 'client close');
    expect(m.can('connecting')).toBe(false);
    expect(seen).toEqual([
      { from: 'idle', to: 'connecting', reason: 'connect' },
      { from: 'connecting', to: 'connected', reason: 'welcome' },
      { from: 'connected', to: 'reconnecting', reason: 'closed 1001' },
      { from: 'reconnecting', to: 'connected', reason: 'welcome' },
      { from: 'connected', to: 'closed', reason: 'client close' },
    ]);
  });

  it('has the documented tables', () => {
    expect(CLIENT_TRANSITIONS).toEqual({
      idle: ['connecting', 'closed'],
      connecting: ['connected', 'closed'],
      connected: ['reconnecting', 'closed'],
      reconnecting: ['connected', 'closed'],
      closed: [],
    });
    expect(SUBSCRIPTION_TRANSITIONS).toEqual({
      pending: ['subscribed', 'closed'],
      subscribed: ['resyncing', 'closed'],
      resyncing: ['subscribed', 'closed'],
      closed: [],
    });
  });
});

/** A subscription driven directly by protocol messages: its bookkeeping, without a hub. */
function harness(channel = 'agent', opts: ConstructorParameters<typeof Subscription>[1] = {}) {
  let unsubscribed = 0;
  const sub = new Subscription(channel, opts, { unsubscribe: () => unsubscribed++, epoch: () => 'e-1' });
  const events: EventMessage[] = [];
  const resets: ResetInfo[] = [];
  const states: string[] = [];
  sub.on('event', (e) => events.push(e));
  sub.on('reset', (r) => resets.push(r));
  sub.on('state', (s) => states.push(`${s.from}→${s.to}:${s.reason}`));
  const subscribed = (m: Partial<SubscribedMessage>) => sub.onSubscribed({ type: 'subscribed', id: 1, channel, seq: 0, epoch: 'e-1', replayed: 0, ...m });
  const ev = (seq: number | undefined, event = 'agent.updated') =>
    sub.onEvent({ type: 'event', channel, event, ...(seq !== undefined ? { seq } : {}), timestamp: '', data: { seq } });
  return { sub, events, resets, states, subscribed, ev, unsubscribed: () => unsubscribed };
}

describe('subscription bookkeeping', () => {
  it('pending → subscribed → resyncing → subscribed → closed, resuming from its last seq', async () => {
    const h = harness();
    expect(h.sub.request(1)).toEqual({ id: 1, channel: 'agent' });
    h.subscribed({ seq: 5 });
    await h.sub.ready;
    h.ev(6);
    h.ev(9);
    h.sub.suspend('connection closed (1006)');
    expect(h.sub.state).toBe('resyncing');
    expect(h.sub.request(2)).toEqual({ id: 2, channel: 'agent', since: 9, epoch: 'e-1' });
    // The replay overlaps what was seen: 9 again, then 10 and 12; then a live duplicate.
    h.subscribed({ seq: 12, replayed: 3 });
    h.ev(9);
    h.ev(10);
    h.ev(12);
    h.ev(12);
    h.ev(undefined, 'agent.typing');
    expect(h.events.map((e) => e.seq ?? e.event)).toEqual([6, 9, 10, 12, 'agent.typing']);
    h.sub.unsubscribe();
    expect(h.unsubscribed()).toBe(1);
    h.sub.close('unsubscribe');
    expect(h.states).toEqual([
      'pending→subscribed:subscribed',
      'subscribed→resyncing:connection closed (1006)',
      'resyncing→subscribed:subscribed',
      'subscribed→closed:unsubscribe',
    ]);
  });

  it('counts replayed events, including dropped duplicates, before taking subscribed.seq as its position', () => {
    const h = harness('agent', { since: 4, epoch: 'e-1' });
    h.subscribed({ seq: 20, replayed: 2 });
    expect(h.sub.position).toBe(4);
    h.ev(7);
    // Connection lost mid-replay: the position is the last event actually received.
    expect(h.sub.position).toBe(7);
    h.ev(11);
    expect(h.sub.position).toBe(20);
  });

  it('a live-only subscription joining a resumed stream drops the replay before its own start', () => {
    const h = harness();
    h.subscribed({ seq: 30, replayed: 2 });
    h.ev(25);
    h.ev(29);
    h.ev(31);
    expect(h.events.map((e) => e.seq)).toEqual([31]);
  });

  it('emits one reset per reset: the initial snapshot, a lost position, an epoch change', () => {
    const h = harness('agent', { snapshot: true });
    expect(h.sub.request(1)).toEqual({ id: 1, channel: 'agent', snapshot: true });
    h.subscribed({ seq: 3, snapshot: [{ id: 'a', version: 1, createdAt: '', updatedAt: '' }] });
    h.ev(4);
    h.sub.suspend('closed');
    expect(h.sub.request(2)).toEqual({ id: 2, channel: 'agent', since: 4, epoch: 'e-1', snapshot: true });
    h.subscribed({ seq: 50, reset: true, snapshot: [] });
    h.ev(49);
    h.ev(51);
    h.sub.suspend('closed');
    h.subscribed({ seq: 2, epoch: 'e-2', reset: true, snapshot: [] });
    h.ev(3);
    expect(h.resets.map((r) => [r.reason, r.seq, r.epoch, r.snapshot?.length])).toEqual([
      ['initial', 3, 'e-1', 1],
      ['position_lost', 50, 'e-1', 0],
      ['epoch_changed', 2, 'e-2', 0],
    ]);
    expect(h.events.map((e) => e.seq)).toEqual([4, 51, 3]);
    expect(h.sub.epoch).toBe('e-2');
  });

  it('a refused subscription closes with the error and rejects ready', async () => {
    const h = harness();
    const errors: string[] = [];
    h.sub.on('error', (e) => errors.push(e.code));
    const { LivehubError } = await import('../../src/errors.js');
    h.sub.fail(new LivehubError('forbidden', 'no'));
    await expect(h.sub.ready).rejects.toMatchObject({ code: 'forbidden' });
    expect(h.sub.state).toBe('closed');
    expect(errors).toEqual(['forbidden']);
  });
});
