import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../src/transports/sse-parser.js';

function parse(chunks: string[]) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const p = new SseParser({ event: (e) => events.push(e), comment: (c) => comments.push(c), retry: (ms) => retries.push(ms) });
  for (const c of chunks) p.push(c);
  return { events, comments, retries, lastId: p.eventId };
}

/** Every way of cutting `text` in two. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
}

describe('SSE parser (WHATWG event stream interpretation)', () => {
  const stream = 'retry: 1000\n\ndata: {"type":"welcome"}\n\n: ping\n\nid: 3\n\nid: 4\ndata: {"a":1}\n\ndata: x\ndata:  y\nevent: custom\n\n';

  it('dispatches data events, comments, retry and the persistent last event id', () => {
    const r = parse([stream]);
    expect(r.events).toEqual([
      { event: 'message', data: '{"type":"welcome"}', lastEventId: '' },
      { event: 'message', data: '{"a":1}', lastEventId: '4' },
      { event: 'custom', data: 'x\n y', lastEventId: '4' },
    ]);
    expect(r.comments).toEqual(['ping']);
    expect(r.retries).toEqual([1000]);
    expect(r.lastId).toBe('4');
  });

  it('gives the same result however the bytes are chunked, with LF, CRLF or CR line ends', () => {
    const want = parse([stream]);
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = stream.replace(/\n/g, eol);
      for (const parts of splits(text)) {
        const got = parse(parts);
        expect(got.events).toEqual(want.events);
        expect(got.comments).toEqual(want.comments);
      }
      // One character at a time.
      expect(parse([...text]).events).toEqual(want.events);
    }
  });

  it('ignores a BOM, unknown fields, ids with NUL, bad retry values; an event with no data line is not dispatched', () => {
    const r = parse(['\ufeffdata: a\nfoo: bar\nretry: soon\n\nid: 7\nevent: nothing\n\nid: 8\u0000x\ndata\n\n']);
    expect(r.events).toEqual([
      { event: 'message', data: 'a', lastEventId: '' },
      { event: 'message', data: '', lastEventId: '7' },
    ]);
    expect(r.retries).toEqual([]);
  });

  it('keeps an unterminated event until its blank line arrives', () => {
    const events: SseEvent[] = [];
    const p = new SseParser({ event: (e) => events.push(e) });
    p.push('data: part');
    p.push('ial\n');
    expect(events).toEqual([]);
    p.push('\n');
    expect(events.map((e) => e.data)).toEqual(['partial']);
  });
});
