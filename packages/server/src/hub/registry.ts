import type { ClientSummary } from '@livehub/protocol';
import { ChannelIndex } from './channel-index.js';
import type { InterestListener } from './interest.js';
import type { Session } from './session.js';

export type { ClientSummary };

/**
 * This node's index of sessions: all of them, by clientId, and their subscriptions by channel.
 * It only indexes; sessions own their state. `whenEmpty` resolves once the last session is gone.
 * `interest` hears when a channel or a clientId gains its first or loses its last on this node.
 */
export class Registry {
  private readonly sessions = new Set<Session>();
  private readonly byClientId = new Map<string, Set<Session>>();
  /** Open sessions per remote address and per principal `sub`, for the connection limits. */
  private readonly perAddress = new Counts();
  private readonly perPrincipal = new Counts();
  /** Channel name → subscriptions; sessions add and remove their own. */
  readonly index: ChannelIndex;
  private emptyWaiters: Array<() => void> = [];

  constructor(private readonly interest?: InterestListener) {
    this.index = new ChannelIndex(interest);
  }

  add(session: Session): void {
    this.sessions.add(session);
    let set = this.byClientId.get(session.clientId);
    if (!set) {
      this.byClientId.set(session.clientId, (set = new Set()));
      this.interest?.client(session.clientId, true);
    }
    set.add(session);
    this.perAddress.inc(session.info.remote);
    this.perPrincipal.inc(session.openedAs);
  }

  /** Open sessions from `remote`. */
  ofAddress(remote: string): number {
    return this.perAddress.get(remote);
  }

  /** Open sessions of principal `sub` (as it was when each opened). */
  ofPrincipal(sub: string): number {
    return this.perPrincipal.get(sub);
  }

  /** False if the session was not (or no longer) registered. */
  remove(session: Session): boolean {
    if (!this.sessions.delete(session)) return false;
    const set = this.byClientId.get(session.clientId);
    set?.delete(session);
    if (set?.size === 0) {
      this.byClientId.delete(session.clientId);
      this.interest?.client(session.clientId, false);
    }
    this.perAddress.dec(session.info.remote);
    this.perPrincipal.dec(session.openedAs);
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

  /**
   * The principal `sub` holding `clientId`: that of its oldest open session (undefined if none).
   * A session's `sub` may change once, from `anonymous` on an `auth` refresh, so the oldest decides.
   */
  holderOf(clientId: string): string | undefined {
    const set = this.byClientId.get(clientId);
    if (!set) return undefined;
    for (const s of set) return s.principal.sub;
    return undefined;
  }

  /** The sessions of `clientId` that belong to its holder: what `sendTo` reaches. */
  *ofClientHolder(clientId: string): Iterable<Session> {
    const holder = this.holderOf(clientId);
    for (const s of this.ofClient(clientId)) if (s.principal.sub === holder) yield s;
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

/** A multiset of strings: count per key, keys at zero dropped. */
class Counts {
  private readonly map = new Map<string, number>();

  get(key: string): number {
    return this.map.get(key) ?? 0;
  }

  inc(key: string): void {
    this.map.set(key, this.get(key) + 1);
  }

  dec(key: string): void {
    const n = this.get(key) - 1;
    if (n > 0) this.map.set(key, n);
    else this.map.delete(key);
  }
}
