import { describe, expect, it } from 'vitest';
import { CloseCode } from '@livehub/protocol';
import { sessionBench } from '../helpers/session-bench.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

describe('Session: inbound frames', () => {
  it.each([
    ['[{"type":"ping","id":1}]', 'an array'],
    ['3', 'a number'],
    ['"x"', 'a string'],
    ['null', 'null'],
    ['true', 'a boolean'],
  ])('answers the non-object frame %s with bad_frame, saying what it got', async (text, got) => {
    const b = await sessionBench();
    b.frame(text);
    const err = await b.sink.next((m) => m.type === 'error', 'the error reply');
    expect(err).toEqual({ type: 'error', code: 'bad_frame', message: `A frame is one JSON object; got ${got}` });
  });

  it('keeps a peer within its bad-frame budget, closes it 4400 past it, and a heartbeat renews the budget', async () => {
    const b = await sessionBench({ config: { maxBadFrames: 3 } });
    for (let i = 0; i < 3; i++) b.frame('nope');
    b.session.heartbeat();
    for (let i = 0; i < 3; i++) b.frame('nope');
    expect(b.sink.closedWith).toBeUndefined();
    b.frame('nope');
    expect(b.sink.closedWith).toEqual({ code: CloseCode.ProtocolError, reason: 'too many bad frames' });
  });

  it('answers ping, refuses binary frames, and passes publish to the node with an ack', async () => {
    const b = await sessionBench();
    b.frame({ type: 'ping', id: 'p', ts: 1 });
    b.session.receive('', true);
    b.frame({ type: 'publish', id: 'a', channel: 'room:1', event: 'said', data: { t: 'hi' } });
    await b.sink.next((m) => m.type === 'ack', 'the ack');
    expect(b.sink.messages.map((m) => m.type)).toEqual(['pong', 'error', 'ack']);
    expect(b.sink.messages[1]).toMatchObject({ code: 'binary_unsupported' });
    expect(b.published).toEqual([{ channel: 'room:1', event: 'said', data: { t: 'hi' } }]);
  });
});

describe('Session: liveness', () => {
  it('probes a live peer at each heartbeat and cuts one that stayed silent since the last', async () => {
    const b = await sessionBench();
    b.session.heartbeat();
    expect(b.sink.pings).toBe(1);
    b.sink.onAlive(); // the pong
    b.session.heartbeat();
    expect(b.sink.pings).toBe(2);
    expect(b.sink.terminated).toBe(false);
    b.session.heartbeat();
    expect(b.sink.terminated).toBe(true);
    expect(b.session.closeReason).toBe('heartbeat timeout');
  });
});

describe('Session: subscriptions it owns', () => {
  it('hears system from the start, indexes what it subscribes, and takes all of it out of the index when disposed', async () => {
    const b = await sessionBench();
    expect(b.index.counts()).toEqual([{ channel: 'system', subscribers: 1 }]);
    b.frame({ type: 'subscribe', id: 1, channel: 'task' });
    await b.sink.next((m) => m.type === 'subscribed', 'subscribed');
    expect(b.index.size).toBe(2);
    b.session.dispose();
    expect(b.index.size).toBe(0);
    expect(b.session.isOpen).toBe(false);
    await expect(b.session.subscribe({ type: 'subscribe', id: 2, channel: 'task' })).rejects.toThrow('Connection is closed');
  });

  it('ends durable subscriptions with resync_required on a compaction gap and keeps the others', async () => {
    const b = await sessionBench();
    b.frame({ type: 'subscribe', id: 't', channel: 'task' });
    b.frame({ type: 'subscribe', id: 'r', channel: 'room:1:chat' });
    await b.sink.next((m) => m.type === 'subscribed' && m.id === 'r', 'both subscribed');
    await b.sink.next((m) => m.type === 'subscribed' && m.id === 't', 'both subscribed');
    b.session.resyncDurable();
    const err = await b.sink.next((m) => m.type === 'error', 'the resync error');
    expect(err).toMatchObject({ id: 't', code: 'resync_required' });
    expect([...b.session.subs.keys()].sort()).toEqual(['room:1:chat', 'system']);
  });
});

describe('subscribe flow: replay under backpressure', () => {
  it('pauses a replay while the peer does not read, and continues on the drain signal', async () => {
    const b = await sessionBench({ config: { replayPageSize: 10 } });
    await b.write('task', 35);
    b.sink.bufferedAmount = 2 * 1024 * 1024; // over the writer's low water: the peer is not reading
    const done = b.session.subscribe({ type: 'subscribe', id: 1, channel: 'task', since: 0 });
    const events = () => b.sink.messages.filter((m) => m.type === 'event').length;
    await waitFor(() => events() === 10, 'the first page');
    // Turns of the event loop, not time: the replay is parked on the drain promise.
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
    expect(events()).toBe(10);
    expect(b.session.lowWaterMark(Infinity)).toBe(10);
    b.sink.drain(0);
    await done;
    await waitFor(() => events() === 35, 'the whole replay');
    expect(b.sink.messages.filter((m) => m.type === 'event').map((m) => m.seq)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(b.session.subs.get('task')?.state).toBe('live');
  });

  it('delivers live events that arrive during a replay after it, without gap or duplicate', async () => {
    const b = await sessionBench({ config: { replayPageSize: 5 } });
    const before = await b.write('task', 12);
    b.sink.bufferedAmount = 2 * 1024 * 1024;
    const done = b.session.subscribe({ type: 'subscribe', id: 1, channel: 'task', since: 0 });
    await waitFor(() => b.sink.messages.some((m) => m.type === 'event'), 'the first page');
    // The feed delivers a change already covered by the replay, then a new one.
    const sub = b.session.subs.get('task')!;
    const after = await b.write('task', 1);
    sub.deliver(before[11]!.seq, JSON.stringify({ type: 'event', channel: 'task', seq: before[11]!.seq }));
    sub.deliver(after[0]!.seq, JSON.stringify({ type: 'event', channel: 'task', seq: after[0]!.seq }));
    b.sink.drain(0);
    await done;
    await waitFor(() => b.sink.messages.filter((m) => m.type === 'event').length >= 13, 'replay and live');
    expect(b.sink.messages.filter((m) => m.type === 'event').map((m) => m.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });
});
