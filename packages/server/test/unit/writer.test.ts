import { describe, expect, it } from 'vitest';
import { Writer } from '../../src/hub/writer.js';
import { FakeSink } from '../helpers/fake-sink.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

/** A writer on a fake sink, wired the way its session wires it. */
function writerOn(sink: FakeSink, maxQueueBytes: number, onOverflow: () => void = () => undefined): Writer {
  const w = new Writer(sink, maxQueueBytes, onOverflow);
  sink.onDrain = () => w.onDrain();
  return w;
}

describe('Writer', () => {
  it('writes everything queued in one tick as one batch, in order', async () => {
    const sink = new FakeSink();
    const w = writerOn(sink, 1 << 20);
    for (let i = 0; i < 5; i++) w.send(`{"type":"x","i":${i}}`, i === 2 ? 7 : undefined);
    expect(sink.batches).toEqual([]);
    await waitFor(() => sink.batches.length > 0, 'a write');
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]!.map((m) => m.frame)).toEqual([0, 1, 2, 3, 4].map((i) => `{"type":"x","i":${i}}`));
    expect(sink.batches[0]![2]!.seq).toBe(7);
    expect(w.sent).toBe(5);
  });

  it("bounds a batch by message count, whatever the seqs (framing is the sink's business)", async () => {
    const sink = new FakeSink();
    const w = writerOn(sink, 1 << 24);
    // 300 copies of one seq: the writer used to keep same-seq runs together for SSE.
    for (let i = 0; i < 300; i++) w.send('{}', 1);
    await waitFor(() => sink.batches.flat().length === 300, 'all messages written');
    expect(sink.batches.map((b) => b.length)).toEqual([128, 128, 44]);
  });

  it('closes a peer whose backlog is over the limit as a slow consumer', () => {
    const sink = new FakeSink();
    let overflowed = 0;
    const w = writerOn(sink, 100, () => overflowed++);
    sink.bufferedAmount = 101;
    w.send('{"type":"a"}');
    expect(overflowed).toBe(1);
    w.send('{"type":"b"}');
    expect(overflowed).toBe(1);
  });

  it("drained() waits for the sink's drain signal, not a timer, and resolves at once under the low water", async () => {
    const sink = new FakeSink();
    const w = writerOn(sink, 1 << 30);
    await w.drained(10); // nothing pending
    sink.bufferedAmount = 50;
    let done = false;
    const p = w.drained(10).then(() => (done = true));
    w.send('{}');
    await waitFor(() => sink.batches.length === 1, 'the flush');
    expect(done).toBe(false);
    sink.drain(20); // still above the low water
    await Promise.resolve();
    expect(done).toBe(false);
    sink.drain(5);
    await p;
    expect(done).toBe(true);
  });

  it('releases drain waiters and drops its queue when closed', async () => {
    const sink = new FakeSink();
    const w = writerOn(sink, 1 << 30);
    sink.bufferedAmount = 1 << 21;
    const p = w.drained();
    w.send('{}');
    w.close();
    await p;
    await new Promise<void>((r) => setImmediate(r));
    expect(sink.batches).toEqual([]);
  });

  it('flushNow writes at once (before a close frame)', () => {
    const sink = new FakeSink();
    const w = writerOn(sink, 1 << 20);
    w.send('{"type":"bye"}');
    w.flushNow();
    expect(sink.batches.flat().map((m) => m.frame)).toEqual(['{"type":"bye"}']);
  });
});
