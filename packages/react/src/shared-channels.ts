import type { EventMessage, LivehubClient, LivehubError, ResetInfo, Subscription } from '@livehub/client';

const SYSTEM_CHANNEL = 'system';

/** One consumer of a channel: a `useChannel`, a live query, an invalidation map. */
export interface ChannelListener {
  event(e: EventMessage): void;
  /** The hub could not resume the channel: state derived from it must be fetched again. */
  reset?(info: ResetInfo): void;
  /** The hub refused the subscription (e.g. `invalid_channel`); the channel delivers nothing more. */
  error?(err: LivehubError): void;
}

/** A listener's hold on a shared channel. */
export interface ChannelHandle {
  /**
   * After listing at `seq`/`epoch` (with this listener attached before the list was read): makes
   * sure every later change of the channel reaches the listener. False when the subscription
   * started after `seq` (list again: a list read now is at or after its start).
   */
  cover(seq: number, epoch: string): Promise<boolean>;
  release(): void;
}

interface Shared {
  sub: Subscription | undefined;
  /** `system` is heard through the client's own `event` stream (see `open`); this stops listening. */
  off: (() => void) | undefined;
  /** True when this registry created the subscription (and so ends it). */
  owned: boolean;
  /** Every change after this seq reaches the listeners; undefined until the hub has confirmed a live-only start. */
  start: number | undefined;
  listeners: Set<ChannelListener>;
  /** Pending end after the last listener left (React may re-attach in the same turn). */
  endTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The client allows one subscription per channel (`already_subscribed`), while a page may hold many
 * hooks on one channel, each with its own starting point. This registry shares one subscription per
 * channel among them, ref-counted, and tells each list whether the shared stream covers it.
 */
export class SharedChannels {
  private readonly channels = new Map<string, Shared>();

  constructor(private readonly client: LivehubClient) {}

  /**
   * Adds a listener. With `live: true` the channel is subscribed at once (from now on); without, the
   * subscription waits for the first `cover(seq)` so it can start exactly after a list.
   */
  attach(channel: string, listener: ChannelListener, opts: { live: boolean }): ChannelHandle {
    const s = this.entry(channel);
    clearTimeout(s.endTimer);
    s.endTimer = undefined;
    s.listeners.add(listener);
    if (opts.live && !s.sub && !s.off) this.open(channel, s, undefined, undefined);
    let released = false;
    return {
      cover: async (seq, epoch) => {
        if (released || this.client.state === 'closed') return true;
        const cur = this.channels.get(channel);
        if (cur !== s) return false;
        if (!s.sub) {
          if (!s.off) this.open(channel, s, seq, epoch);
          return true;
        }
        const sub = s.sub;
        if (s.start === undefined) {
          try {
            await sub.ready;
          } catch {
            return true; // refused or closed: the listener hears about it through `error`
          }
          if (s.sub !== sub) return false; // replaced meanwhile: read again against the new one
        }
        return s.start !== undefined && s.start <= seq && (sub.epoch === undefined || sub.epoch === epoch);
      },
      release: () => {
        if (released) return;
        released = true;
        s.listeners.delete(listener);
        if (s.listeners.size === 0) this.scheduleEnd(channel, s);
      },
    };
  }

  private entry(channel: string): Shared {
    let s = this.channels.get(channel);
    if (!s) {
      s = { sub: undefined, off: undefined, owned: false, start: undefined, listeners: new Set(), endTimer: undefined };
      this.channels.set(channel, s);
    }
    return s;
  }

  private open(channel: string, s: Shared, since: number | undefined, epoch: string | undefined): void {
    if (this.client.state === 'closed') return;
    if (channel === SYSTEM_CHANNEL && !this.client.subscription(channel)) {
      // Every connection hears `system` from its start, and the client emits it as `event`.
      // Subscribing would make the last unsubscribe stop the hub's broadcasts to this connection.
      s.off = this.client.on('event', (e) => {
        if (e.channel === SYSTEM_CHANNEL) for (const l of [...s.listeners]) l.event(e);
      });
      return;
    }
    // A subscription the app made itself is shared too, but left for the app to end.
    const existing = this.client.subscription(channel);
    let sub: Subscription;
    try {
      sub = existing ?? this.client.subscribe(channel, since !== undefined ? { since, epoch } : {});
    } catch (err) {
      // e.g. an invalid channel name: tell the listeners instead of throwing inside a React effect.
      for (const l of [...s.listeners]) l.error?.(err as LivehubError);
      return;
    }
    s.sub = sub;
    s.owned = !existing;
    // Conservative start: a later start only costs a list its re-read, never a missed change.
    s.start = existing ? existing.position : since;
    if (s.start === undefined) {
      void sub.ready.then(
        () => {
          if (s.sub === sub) s.start ??= sub.position;
        },
        () => undefined,
      );
    }
    sub.on('event', (e) => {
      for (const l of [...s.listeners]) l.event(e);
    });
    sub.on('reset', (info) => {
      s.start = info.seq;
      for (const l of [...s.listeners]) l.reset?.(info);
    });
    sub.on('error', (err) => {
      for (const l of [...s.listeners]) l.error?.(err);
    });
    sub.on('state', (c) => {
      if (c.to !== 'closed' || s.sub !== sub) return;
      // Closed under us (refused, or the client closed): the next attach subscribes again.
      s.sub = undefined;
      s.start = undefined;
      if (s.listeners.size === 0 && this.channels.get(channel) === s) this.channels.delete(channel);
    });
  }

  private scheduleEnd(channel: string, s: Shared): void {
    // StrictMode and key changes detach and re-attach within one turn: keep the subscription across that.
    s.endTimer = setTimeout(() => {
      s.endTimer = undefined;
      if (s.listeners.size > 0 || this.channels.get(channel) !== s) return;
      this.channels.delete(channel);
      s.off?.();
      s.off = undefined;
      const sub = s.sub;
      s.sub = undefined;
      if (sub && s.owned && sub.state !== 'closed') sub.unsubscribe();
    }, 0);
  }
}

const registries = new WeakMap<LivehubClient, SharedChannels>();

/** The registry of a client (one per client, however many providers or hooks use it). */
export function sharedChannels(client: LivehubClient): SharedChannels {
  let r = registries.get(client);
  if (!r) registries.set(client, (r = new SharedChannels(client)));
  return r;
}
