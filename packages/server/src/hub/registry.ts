import type { ClientSummary } from '@livehub/protocol';
import { ChannelIndex } from './channel-index.js';
import type { Session } from './session.js';

export type { ClientSummary };

/**
 * This node's index of sessions: all of them, by clientId, and their subscriptions by channel.
 * It only indexes; sessions own their state. `whenEmpty` resolves once the last session is gone.
 */
export class Registry {
  private readonly sessions = new Set<Session>();
  private readonly byClientId = new Map<string, Set<Session>>();
  /** Channel name → subscriptions; sessions add and remove their own. */
  readonly index = new ChannelIndex();
  private emptyWaiters: Array<() => void> = [];

  add(session: Session): void {
    this.sessions.add(session);
    let set = this.byClientId.get(session.clientId);
    if (!set) this.byClientId.set(session.clientId, (set = new Set()));
    set.add(session);
  }

  /** False if the session was not (or no longer) registered. */
  remove(session: Session): boolean {
    if (!this.sessions.delete(session)) return false;
    const set = this.byClientId.get(session.clientId);
    set?.delete(session);
    if (set?.size === 0) this.byClientId.delete(session.clientId);
    if (this.sessions.size === 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const w of waiters) w();
    }
    return true;
  }

  has(session: Session): boolean {
    return this.sessions.has(session);
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): Iterable<Session> {
    return this.sessions;
  }

  ofClient(clientId: string): Iterable<Session> {
    return this.byClientId.get(clientId) ?? [];
  }

  /** Resolves when no session is left (at once if none is). */
  whenEmpty(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** Lowest position a replay in progress still needs, at most `head`: compaction keeps everything after it. */
  lowWaterMark(head: number): number {
    let low = head;
    for (const s of this.sessions) low = s.lowWaterMark(low);
    return low;
  }

  clients(): ClientSummary[] {
    return [...this.sessions].map((s) => ({
      clientId: s.clientId,
      connId: s.info.connId,
      transport: s.info.transport,
      sub: s.principal.sub,
      remote: s.info.remote,
      userAgent: s.info.userAgent,
      connectedAt: new Date(s.connectedAt).toISOString(),
      channels: [...s.subs.keys()],
      sent: s.writer.sent,
      received: s.received,
    }));
  }

  channels(): Array<{ channel: string; subscribers: number }> {
    return this.index.counts();
  }
}
