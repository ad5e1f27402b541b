/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** `event:` field; `message` when absent. */
  event: string;
  /** `data:` lines joined with `\n`. */
  data: string;
  /** The stream's last event id after this event (`id:` persists across events, per the spec). */
  lastEventId: string;
}

export interface SseParserHooks {
  event(e: SseEvent): void;
  /** A comment line (`: ping`), without the colon; heartbeats arrive this way. */
  comment?(text: string): void;
  /** A valid `retry:` field, in ms. */
  retry?(ms: number): void;
}

/**
 * Incremental `text/event-stream` parser, following the WHATWG HTML "event stream interpretation":
 * lines end in CRLF, LF or CR (possibly split across chunks); a blank line dispatches; an event
 * with no data is not dispatched but its `id:` still counts. Node 20 has no EventSource, and
 * EventSource cannot send an Authorization header, so the SDK reads the stream with fetch.
 */
export class SseParser {
  private buffer = '';
  private sawCr = false;
  private started = false;
  private data: string[] = [];
  private hasData = false;
  private eventType = '';
  private lastEventId = '';

  constructor(private readonly hooks: SseParserHooks) {}

  /** Feeds decoded text. */
  push(chunk: string): void {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR at the end of the previous chunk already ended its line; a LF right after it is the same line end.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer + text.slice(start, i));
      this.buffer = '';
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.sawCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.hooks.comment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.hasData = true;
        return;
      case 'event':
        this.eventType = value;
        return;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        return;
      case 'retry':
        if (/^\d+$/.test(value)) this.hooks.retry?.(Number(value));
        return;
      default:
        return; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    const hasData = this.hasData;
    const data = this.data.join('\n');
    const event = this.eventType || 'message';
    this.data = [];
    this.hasData = false;
    this.eventType = '';
    if (!hasData) return;
    this.hooks.event({ event, data, lastEventId: this.lastEventId });
  }

  /** The id a reconnect would send as Last-Event-ID. */
  get eventId(): string {
    return this.lastEventId;
  }
}
