import { waitFor } from '../../../../test/helpers/wait-for.js';

export type Msg = Record<string, unknown> & { type: string };

/**
 * Records a peer's messages and lets a test wait for the one it expects. Subclasses push into
 * `messages` and say through `endedWhy()` when nothing more can come.
 */
export abstract class Recorder<M extends Msg = Msg> {
  readonly messages: M[] = [];

  /** Why no more messages can come (closed, ended), or undefined while they can. */
  protected abstract endedWhy(): string | undefined;

  /** Resolves with the first recorded message (from `from` on) that matches, waiting if needed. */
  async waitFor(pred: (m: M) => boolean, opts: { timeoutMs?: number; from?: number } = {}): Promise<M> {
    let found: M | undefined;
    const last = (): string => JSON.stringify(this.messages.slice(-3));
    await waitFor(
      () => {
        found = this.messages.slice(opts.from ?? 0).find(pred);
        if (found) return true;
        const ended = this.endedWhy();
        if (ended !== undefined) throw new Error(`${ended} while waiting; last: ${last()}`);
        return false;
      },
      () => `a matching message; last: ${last()}`,
      opts.timeoutMs ?? 5000,
    );
    return found!;
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
