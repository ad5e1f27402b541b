export type Msg = Record<string, unknown> & { type: string };

/**
 * Records a peer's messages and lets a test wait for the one it expects. Subclasses push into
 * `messages`, call `wake()` on anything new, and say through `endedWhy()` when nothing more can come.
 */
export abstract class Recorder<M extends Msg = Msg> {
  readonly messages: M[] = [];
  private waiters: Array<() => void> = [];

  /** Why no more messages can come (closed, ended), or undefined while they can. */
  protected abstract endedWhy(): string | undefined;

  protected wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first recorded message (from `from` on) that matches, waiting if needed. */
  async waitFor(pred: (m: M) => boolean, opts: { timeoutMs?: number; from?: number } = {}): Promise<M> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    for (;;) {
      const found = this.messages.slice(opts.from ?? 0).find(pred);
      if (found) return found;
      const ended = this.endedWhy();
      if (ended !== undefined) throw new Error(`${ended} while waiting; last: ${JSON.stringify(this.messages.slice(-3))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; last: ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until `pred` holds for the list of recorded messages. */
  async until(pred: (all: M[]) => boolean, timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => pred(this.messages), { timeoutMs });
  }

  /** Events received (on one channel, if given), in arrival order. */
  events(channel?: string): Array<M & { seq?: number; event: string; channel: string; data: Record<string, unknown> }> {
    return this.messages.filter((m) => m.type === 'event' && (channel === undefined || m.channel === channel)) as never;
  }
}
