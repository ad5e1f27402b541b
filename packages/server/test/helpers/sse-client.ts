import { Recorder, type Msg } from './recorder.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

/**
 * A raw SSE reader for tests (fetch + a line parser): records each event's JSON and its `id:`,
 * plus bare id-only blocks (`id: N` with no data), which move Last-Event-ID in a browser.
 */
export class SseTestClient extends Recorder {
  /** `id:` of each dispatched message, aligned with `messages` (undefined when none). */
  readonly ids: Array<string | undefined> = [];
  /** The Last-Event-ID a browser would hold now. */
  lastEventId: string | undefined;
  ended = false;
  status = 0;
  private readonly abort = new AbortController();

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseTestClient> {
    const c = new SseTestClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: c.abort.signal });
    c.status = res.status;
    if (!res.ok || !res.body) {
      c.ended = true;
      c.messages.push({ type: 'http_error', status: res.status, body: await res.text() });
      return c;
    }
    void c.pump(res.body);
    return c;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    let data: string[] = [];
    let id: string | undefined;
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === '') {
            if (id !== undefined) this.lastEventId = id;
            if (data.length > 0) {
              this.messages.push(JSON.parse(data.join('\n')) as Msg);
              this.ids.push(id);
            }
            data = [];
            id = undefined;
          } else if (line.startsWith('data: ')) data.push(line.slice(6));
          else if (line.startsWith('id: ')) id = line.slice(4);
        }
      }
    } catch {
      // aborted by close(), or the server ended the stream
    }
    this.ended = true;
  }

  protected endedWhy(): string | undefined {
    return this.ended ? 'stream ended' : undefined;
  }

  endedPromise(timeoutMs = 5000): Promise<void> {
    return waitFor(() => this.ended, 'the stream to end', timeoutMs);
  }

  close(): void {
    this.abort.abort();
  }
}
