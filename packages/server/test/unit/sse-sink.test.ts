import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '@livehub/protocol';
import { SseSink } from '../../src/transports/sse-sink.js';

/** The part of a ServerResponse the sink uses, recording the text written. */
class FakeResponse extends EventEmitter {
  text = '';
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  end(chunk: string): void {
    this.text += chunk;
    this.writableEnded = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** `[id, data]` per SSE block, id-only blocks included. */
function blocks(text: string): Array<[string | undefined, string | undefined]> {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((b) => {
      const lines = b.split('\n');
      return [lines.find((l) => l.startsWith('id: '))?.slice(4), lines.find((l) => l.startsWith('data: '))?.slice(6)];
    });
}

const flushMicrotasks = () => new Promise<void>((r) => queueMicrotask(r));

function sinkOn(): { res: FakeResponse; sink: SseSink } {
  const res = new FakeResponse();
  return { res, sink: new SseSink(res as unknown as ServerResponse) };
}

describe('SseSink', () => {
  it('writes no ids before the stream is synced, then the mark, then ids on durable events', async () => {
    const { res, sink } = sinkOn();
    sink.write([{ frame: '{"a":1}', seq: 1 }, { frame: '{"e":0}' }]);
    sink.markSynced(5);
    sink.write([{ frame: '{"a":6}', seq: 6 }, { frame: '{"e":1}' }]);
    await flushMicrotasks();
    expect(blocks(res.text)).toEqual([
      [undefined, '{"a":1}'],
      [undefined, '{"e":0}'],
      ['5', undefined],
      ['6', '{"a":6}'],
      [undefined, '{"e":1}'],
    ]);
  });

  it('puts the id on the last copy of a change even when the copies are split across writes', async () => {
    const { res, sink } = sinkOn();
    sink.markSynced(0);
    // One change on `task` and `task:1`, batched apart (the writer bounds batches, it knows no seqs).
    sink.write([{ frame: '{"c":"task"}', seq: 7 }]);
    sink.write([
      { frame: '{"c":"task:1"}', seq: 7 },
      { frame: '{"c":"task"}', seq: 8 },
    ]);
    await flushMicrotasks();
    expect(blocks(res.text)).toEqual([
      ['0', undefined],
      [undefined, '{"c":"task"}'],
      ['7', '{"c":"task:1"}'],
      ['8', '{"c":"task"}'],
    ]);
  });

  it('writes a held-back last message before its closing error', () => {
    const { res, sink } = sinkOn();
    sink.markSynced(0);
    sink.write([{ frame: '{"c":"x"}', seq: 3 }]);
    sink.close(CloseCode.GoingAway, 'bye');
    const got = blocks(res.text);
    expect(got.slice(0, 2)).toEqual([
      ['0', undefined],
      ['3', '{"c":"x"}'],
    ]);
    expect(got).toHaveLength(3);
    expect(JSON.parse(got[2]![1]!)).toMatchObject({ type: 'error', closeCode: CloseCode.GoingAway });
  });
});
